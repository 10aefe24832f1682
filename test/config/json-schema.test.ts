import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { JSON_SCHEMA_PATH, buildJsonSchema, renderJsonSchema } from '../../src/config/json-schema.js';

const root = new URL('../../', import.meta.url);

describe('schema/vigie.schema.json', () => {
  it('is what `npm run schema` generates now (run it after changing src/config/schema.ts)', async () => {
    const committed = await readFile(fileURLToPath(new URL(JSON_SCHEMA_PATH, root)), 'utf8');
    expect(committed).toBe(renderJsonSchema());
  });

  it('does not bake this machine\'s time zone in as a default', () => {
    const schema = buildJsonSchema() as { properties: { timezone: Record<string, unknown> } };
    expect(schema.properties.timezone).not.toHaveProperty('default');
  });

  it('describes every field, for editor tooltips', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const { properties, items, anyOf, additionalProperties } = node as Record<string, unknown>;
      for (const [key, child] of Object.entries((properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (typeof child.description !== 'string') missing.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      walk(items, `${path}[]`);
      for (const option of (anyOf ?? []) as unknown[]) walk(option, path);
      walk(additionalProperties, `${path}.*`);
    };
    walk(buildJsonSchema(), '');
    expect(missing).toEqual([]);
  });

  it('flags a monitor field the loader does not know (a typo), and a push monitor without its token', () => {
    const schema = buildJsonSchema() as { properties: { monitors: { items: { oneOf: Array<Record<string, unknown>> } } } };
    const monitors = schema.properties.monitors.items.oneOf;
    expect(monitors.map((m) => m.additionalProperties)).toEqual(monitors.map(() => false));
    const push = monitors.find((m) => (m.properties as { type: { const: string } }).type.const === 'push');
    expect(push?.required).toContain('token');
  });

  it('knows every top-level section the example uses', async () => {
    const example = parse(await readFile(fileURLToPath(new URL('vigie.example.yaml', root)), 'utf8')) as Record<string, unknown>;
    const { properties } = buildJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(properties)).toEqual(expect.arrayContaining(Object.keys(example)));
  });
});
