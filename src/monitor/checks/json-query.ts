// Kuma's json-query: a JSONata expression evaluated on a response, its value compared with an expected one.
import jsonata from 'jsonata';

/** Comparisons a JSON query can make (Kuma's jsonPathOperator). */
export const JSON_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', 'contains'] as const;

/** A comparison a JSON query can make. */
export type JsonOperator = (typeof JSON_OPERATORS)[number];

/** The verdict, with the line a person reads. */
export interface JsonQueryOutcome {
  pass: boolean;
  message: string;
}

/** Compiled expressions by source: a monitor's expression is compiled once, not at every check. */
const compiled = new Map<string, jsonata.Expression>();

/** JSONata throws plain objects with a `message`, not Errors. */
export function jsonataErrorText(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/** Compiles `expression`, throwing JSONata's error (with its position) when the syntax is wrong. */
export function compileJsonQuery(expression: string): jsonata.Expression {
  let found = compiled.get(expression);
  if (!found) {
    found = jsonata(expression);
    compiled.set(expression, found);
  }
  return found;
}

const NUMERIC: Partial<Record<JsonOperator, (a: number, b: number) => boolean>> = {
  '<': (a, b) => a < b, '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
};

/** Compares like Kuma: `==`, `!=` and `contains` on text, the others on numbers. */
function compare(value: string, operator: JsonOperator, expected: string): JsonQueryOutcome {
  const got = `JSON query returned '${value}'`;
  const numeric = NUMERIC[operator];
  if (numeric) {
    const [a, b] = [Number(value), Number(expected)];
    if (value.trim() === '' || Number.isNaN(a) || Number.isNaN(b)) return { pass: false, message: `expected a number ${operator} ${expected} but ${got}` };
    return numeric(a, b) ? { pass: true, message: `${got} (${operator} ${expected})` } : { pass: false, message: `expected a value ${operator} ${expected} but ${got}` };
  }
  if (operator === '==') return value === expected ? { pass: true, message: `${got}` } : { pass: false, message: `expected '${expected}' but ${got}` };
  if (operator === '!=') return value !== expected ? { pass: true, message: `${got} (!= '${expected}')` } : { pass: false, message: `expected anything but '${expected}', and ${got}` };
  return value.includes(expected) ? { pass: true, message: `${got} (contains '${expected}')` } : { pass: false, message: `expected a value containing '${expected}' but ${got}` };
}

/** Why a query's value cannot be compared, or undefined when it can. */
function unusable(value: unknown, isJson: boolean): string | undefined {
  if (value === undefined || value === null) {
    return `JSON query returned nothing: check the expression against the response${isJson ? '' : ' (the response is not JSON)'}`;
  }
  if (Array.isArray(value)) {
    const text = JSON.stringify(value);
    return `JSON query returned the array ${text.length > 40 ? `${text.slice(0, 40)}…]` : text}; a single value is needed: add [0], or use $count(), $sum() or $boolean()`;
  }
  if (typeof value === 'object' || typeof value === 'function') return 'JSON query returned an object; a single value is needed: select one field';
  return undefined;
}

/** Evaluates `expression` on `body` (parsed as JSON, else the text itself, as Kuma does) and compares the value. */
export async function evaluateJsonQuery(body: string, expression: string, operator: JsonOperator, expected: string): Promise<JsonQueryOutcome> {
  let input: unknown = body;
  let isJson = true;
  try {
    input = JSON.parse(body);
  } catch {
    isJson = false;
  }
  let value: unknown;
  try {
    value = await compileJsonQuery(expression).evaluate(input);
  } catch (error) {
    return { pass: false, message: `JSON query failed: ${jsonataErrorText(error)}` };
  }
  const problem = unusable(value, isJson);
  if (problem) return { pass: false, message: problem };
  return compare(String(value), operator, expected);
}
