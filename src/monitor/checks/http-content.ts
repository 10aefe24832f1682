// What the http check looks for in a body: a keyword (or its absence) and a JSON query's value.
import type { HttpAnswer } from './http-request.js';
import { evaluateJsonQuery, type JsonOperator } from './json-query.js';

/** The content options of an http monitor. */
export interface ContentRules {
  keyword?: string;
  invertKeyword: boolean;
  jsonQuery?: string;
  jsonPathOperator: JsonOperator;
  expectedValue: string;
}

/** The verdict on the body; `message` is empty when nothing was asked of it. */
export interface ContentVerdict {
  pass: boolean;
  message: string;
}

/** The start of a page as one short line (tags and runs of spaces removed), like Kuma's excerpt. */
export function excerpt(text: string, max = 50): string {
  const flat = text.replace(/<[^>]*>?/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function keywordVerdict(rules: ContentRules & { keyword: string }, text: string, answer: HttpAnswer): ContentVerdict {
  // Searched in the whole body as it was read (answer.found), beyond the part kept for the excerpt.
  const found = answer.found ?? text.includes(rules.keyword);
  const quoted = `'${rules.keyword}'`;
  if (found !== rules.invertKeyword) return { pass: true, message: `keyword ${quoted} ${found ? 'found' : 'absent, as wanted'}` };
  const where = `in "${excerpt(text)}"${answer.truncated && !found ? ' (searched up to 64 MiB)' : ''}`;
  return found
    ? { pass: false, message: `keyword ${quoted} found but must be absent (invertKeyword), ${where}` }
    : { pass: false, message: `keyword ${quoted} not found ${where}` };
}

/** Checks the body against the keyword and JSON query rules, in that order. */
export async function checkContent(rules: ContentRules, answer: HttpAnswer): Promise<ContentVerdict> {
  const text = answer.body.toString('utf8');
  const said: string[] = [];
  if (rules.keyword !== undefined) {
    const verdict = keywordVerdict({ ...rules, keyword: rules.keyword }, text, answer);
    if (!verdict.pass) return verdict;
    said.push(verdict.message);
  }
  if (rules.jsonQuery !== undefined) {
    if (answer.truncated) return { pass: false, message: 'response is larger than 1 MiB; a JSON query needs all of it' };
    const verdict = await evaluateJsonQuery(text, rules.jsonQuery, rules.jsonPathOperator, rules.expectedValue);
    if (!verdict.pass) return verdict;
    said.push(verdict.message);
  }
  return { pass: true, message: said.join(', ') };
}
