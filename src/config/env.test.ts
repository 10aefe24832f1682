import { describe, it, expect } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { expandEnv, substituteEnv } from './env.js';

const env = { HOST: 'matrix.example.org', EMPTY: '', TOKEN: 'syt_abc' };

describe('expandEnv', () => {
  it.each([
    ['plain text', 'plain text', []],
    ['${HOST}', 'matrix.example.org', ['HOST']],
    ['https://${HOST}/x', 'https://matrix.example.org/x', ['HOST']],
    ['${HOST}${TOKEN}', 'matrix.example.orgsyt_abc', ['HOST', 'TOKEN']],
    ['${EMPTY}', '', ['EMPTY']],
    ['${MISSING:-fallback}', 'fallback', ['MISSING']],
    ['${EMPTY:-fallback}', 'fallback', ['EMPTY']],
    ['${HOST:-fallback}', 'matrix.example.org', ['HOST']],
    ['${MISSING:-}', '', ['MISSING']],
    ['${MISSING:-a:b-c}', 'a:b-c', ['MISSING']],
    ['$${HOST}', '${HOST}', []],
    ['cost: $5 and $$', 'cost: $5 and $$', []],
  ] as const)('%j gives %j', (text, value, variables) => {
    expect(expandEnv(text, env)).toEqual({ value, variables });
  });

  it.each([
    ['${MISSING}', /environment variable MISSING is not set; set it, or give a default with \$\{MISSING:-default\}/],
    ['x ${HOST', /unterminated "\$\{"/],
    ['${1X}', /"\$\{1X\}" is not a variable reference/],
    ['${}', /is not a variable reference/],
  ])('%j is an error', (text, message) => {
    expect(() => expandEnv(text, env)).toThrow(message);
  });
});

describe('substituteEnv', () => {
  const run = (text: string) => {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    const result = substituteEnv(doc, { PORT: '8443', YES: 'true', NAME: 'Vigie' }, lines);
    return { ...result, value: doc.toJS() as unknown };
  };

  it('types an unquoted reference as YAML would type the value, and keeps quoted ones as text', () => {
    const { value } = run('a: ${PORT}\nb: "${PORT}"\nc: ${YES}\nd: ${NAME}\ne: port ${PORT}\n');
    expect(value).toEqual({ a: 8443, b: '8443', c: true, d: 'Vigie', e: 'port 8443' });
  });

  it('leaves keys alone and records which scalars came from which variables', () => {
    const { value, substitutions } = run('${NAME}: ${NAME}\nlist: [x, "${PORT}"]\n');
    expect(value).toEqual({ '${NAME}': 'Vigie', list: ['x', '8443'] });
    expect([...substitutions.values()]).toEqual([['NAME'], ['PORT']]);
  });

  it('reports every unset variable with its field and line, inside block scalars too', () => {
    const { problems } = run('a: ok\nb:\n  - ${NOPE}\ntpl: |\n  line one\n  line ${ALSO_NOPE} two\n');
    expect(problems.map(({ path, line }) => ({ path, line }))).toEqual([
      { path: ['b', 0], line: 3 },
      { path: ['tpl'], line: 6 },
    ]);
  });
});
