// The JSON Schema of vigie.yaml, generated from the zod schema, for editors (yaml-language-server) to complete and check.
import { z } from 'zod';
import { timeZoneField } from './fields.js';
import { configSchema } from './schema.js';

/** Where the schema is published in the repository (and in the npm package). */
export const JSON_SCHEMA_PATH = 'schema/vigie.schema.json';

/** The JSON Schema of the file as a user writes it (input side: defaults make fields optional). */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, {
    target: 'draft-2020-12',
    io: 'input',
    override: (ctx) => {
      // The time zone defaults to the machine's: baking one machine's zone in would be wrong everywhere else.
      if (ctx.zodSchema === timeZoneField) delete ctx.jsonSchema.default;
    },
  });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'Vigie configuration (vigie.yaml)',
    description: 'Durations are "30s", "5m", "1h" (or seconds); every secret also has a …File form; ${VAR} reads the environment.',
    ...rest,
  };
}

/** The schema file's exact text (2-space JSON and a final newline), as committed. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
