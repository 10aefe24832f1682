// Monitor values inside a template's `code` spans and fences: backslash escapes would show there, so such values
// go through markdown-it as inert placeholders and are put back, HTML-escaped, into the finished HTML.
import type { FilterImplOptions } from 'liquidjs';
import { escapeHtml } from './markdown.js';
import { printed } from './printed.js';

/** The filter marking an output that sits in code; added by markCodeOutputs, never written by users. */
export const CODE_FILTER = 'vigie_code_value';
/** Where a render's code values wait for the HTML (a symbol on the render scope, invisible to templates). */
export const CODE_VALUES: unique symbol = Symbol('vigie.codeValues');

/** Liquid markup at a position; raw and comment blocks are kept whole, as their insides are not outputs. */
const LIQUID_AT = /\{%-?\s*(raw|comment)\s*-?%\}[\s\S]*?\{%-?\s*end\1\s*-?%\}|\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/y;
const FENCE_AT = / {0,3}(`{3,}|~{3,})/y;
const EMPTY_OUTPUT = /^\{\{-?\s*-?\}\}$/;
/** Placeholders: private-use characters and digits, which no Markdown rule touches. */
const PLACEHOLDER = /\uE000(\d+)\uE001/g;


function withCodeFilter(output: string): string {
  return EMPTY_OUTPUT.test(output) ? output : output.replace(/(-?\}\})$/, ` | ${CODE_FILTER} $1`);
}

/** Where a backtick run opening an inline span at `from` closes on the same line, or -1 when it does not. */
function spanClose(source: string, from: number, run: number): number {
  const lineEnd = source.indexOf('\n', from);
  const line = source.slice(from, lineEnd === -1 ? source.length : lineEnd);
  const m = new RegExp(`(?<!\`)\`{${run}}(?!\`)`).exec(line);
  return m ? from + m.index : -1;
}

/**
 * Rewrites a template so each `{{ output }}` inside a code span or fence ends with CODE_FILTER.
 * Guessing wrong is safe: a placeholder outside code still comes back HTML-escaped, as text.
 */
export function markCodeOutputs(source: string): string {
  let out = '';
  let fence = '';
  let spanEnd = -1;
  let lineStart = true;
  let i = 0;
  while (i < source.length) {
    FENCE_AT.lastIndex = i;
    const f = lineStart ? FENCE_AT.exec(source) : null;
    lineStart = source[i] === '\n';
    if (f) {
      const run = f[1]!;
      if (!fence) fence = run;
      else if (run[0] === fence[0] && run.length >= fence.length) fence = '';
      out += f[0];
      i += f[0].length;
      continue;
    }
    LIQUID_AT.lastIndex = i;
    const liquid = source[i] === '{' ? LIQUID_AT.exec(source) : null;
    if (liquid) {
      const inCode = fence !== '' || spanEnd > i;
      out += inCode && liquid[0].startsWith('{{') ? withCodeFilter(liquid[0]) : liquid[0];
      i += liquid[0].length;
      continue;
    }
    if (source[i] === '`' && !fence) {
      let run = 1;
      while (source[i + run] === '`') run++;
      if (spanEnd === i) spanEnd = -1;
      else if (spanEnd < i) spanEnd = spanClose(source, i + run, run);
      out += source.slice(i, i + run);
      i += run;
      continue;
    }
    out += source[i];
    i++;
  }
  return out;
}

/** The filter behind CODE_FILTER: keeps the value aside and prints a placeholder (raw: no Markdown escaping). */
export const codeValueFilter: FilterImplOptions = {
  raw: true,
  handler(this: { context: { environments: object } }, value: unknown): string {
    const scope = this.context.environments as Record<symbol, string[] | undefined>;
    const values = (scope[CODE_VALUES] ??= []);
    values.push(printed(value));
    return `\uE000${values.length - 1}\uE001`;
  },
};

/** Puts the code values of a render back into its HTML, escaped. */
export function fillCodeValues(html: string, scope: object): string {
  const values = (scope as Record<symbol, string[] | undefined>)[CODE_VALUES];
  if (!values) return html;
  return html.replace(PLACEHOLDER, (_match, index: string) => escapeHtml(values[Number(index)] ?? ''));
}
