// ${VAR} substitution in the YAML document's string scalars, done on parsed nodes so line numbers stay right.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar } from 'yaml';
import { SECRET_FIELDS } from './fields.js';

/** The result of expanding one string. */
export interface Expansion {
  value: string;
  /** Names of the variables the string referred to (their values may be secrets). */
  variables: string[];
}

/** A reference that cannot be expanded, with its offset in the string for locating it. */
export class EnvReferenceError extends Error {
  override readonly name = 'EnvReferenceError';
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Expands `${VAR}` and `${VAR:-default}` (default when unset or empty); `$${` writes a literal `${`. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): Expansion {
  const variables: string[] = [];
  let value = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('$', i);
    if (start === -1) break;
    value += text.slice(i, start);
    if (text.startsWith('$${', start)) {
      value += '${';
      i = start + 3;
    } else if (text.startsWith('${', start)) {
      const end = text.indexOf('}', start + 2);
      if (end === -1) throw new EnvReferenceError(`unterminated "\${" (write "$\${" for a literal "\${")`, start);
      const { name, fallback } = splitReference(text.slice(start + 2, end), start);
      variables.push(name);
      value += resolveVariable(name, fallback, env, start);
      i = end + 1;
    } else {
      value += '$';
      i = start + 1;
    }
  }
  return { value: value + text.slice(i), variables };
}

function splitReference(inner: string, offset: number): { name: string; fallback: string | undefined } {
  const sep = inner.indexOf(':-');
  const name = sep === -1 ? inner : inner.slice(0, sep);
  if (!NAME_RE.test(name)) {
    throw new EnvReferenceError(
      `"\${${inner}}" is not a variable reference: names are letters, digits and _ (write "$\${" for a literal "\${")`,
      offset,
    );
  }
  return { name, fallback: sep === -1 ? undefined : inner.slice(sep + 2) };
}

function resolveVariable(name: string, fallback: string | undefined, env: NodeJS.ProcessEnv, offset: number): string {
  const value = env[name];
  if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
  if (value === undefined) {
    throw new EnvReferenceError(
      `environment variable ${name} is not set; set it, or give a default with \${${name}:-default}`,
      offset,
    );
  }
  return value;
}

/** A reference that failed, located in the document. */
export interface EnvProblem {
  path: (string | number)[];
  line: number | undefined;
  message: string;
}

/** Where substitution happened: scalar node → variables used, so their values are never echoed. */
export type Substitutions = Map<Scalar, string[]>;

/** Substitutes every string scalar of `doc` in place; returns what it changed and what it could not expand. */
export function substituteEnv(doc: Document, env: NodeJS.ProcessEnv, lines: LineCounter): {
  substitutions: Substitutions;
  problems: EnvProblem[];
} {
  const substitutions: Substitutions = new Map();
  const problems: EnvProblem[] = [];
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair)) visit(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : '?']);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      try {
        const { value, variables } = expandEnv(node.value, env);
        if (variables.length > 0) substitutions.set(node, variables);
        // A secret stays text, whatever it looks like: a numeric token must not turn into a number.
        const typed = node.type === 'PLAIN' && variables.length > 0 && !SECRET_FIELDS.has(String(path.at(-1)));
        node.value = typed ? asPlainScalar(value) : value;
      } catch (error) {
        if (!(error instanceof EnvReferenceError)) throw error;
        problems.push({ path, line: lineInScalar(node, error.offset, lines), message: error.message });
      }
    }
  };
  visit(doc.contents, []);
  return { substitutions, problems };
}

/** An unquoted `${N}` reads as YAML would read its value typed in place: a number or a boolean. */
function asPlainScalar(value: string): string | number | boolean {
  if (/^-?\d+(?:\.\d+)?$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/** The line of an offset inside a scalar's value (exact for one-line and literal block scalars). */
function lineInScalar(node: Node, offset: number, lines: LineCounter): number | undefined {
  const start = node.range?.[0];
  if (start === undefined) return undefined;
  const first = lines.linePos(start).line;
  const value = String((node as Scalar).value);
  const breaks = value.slice(0, offset).split('\n').length - 1;
  const isBlock = (node as Scalar).type === 'BLOCK_LITERAL' || (node as Scalar).type === 'BLOCK_FOLDED';
  return first + breaks + (isBlock ? 1 : 0);
}
