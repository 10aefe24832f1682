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
      monitorRules(ctx.jsonSchema);
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

/**
 * A monitor is a loose object in zod (its unknown fields get a "did you mean" there), so the generator lets any field
 * through: editors should flag `intervall` as the loader does, and a push monitor's token as required.
 */
function monitorRules(schema: Record<string, unknown>): void {
  const properties = schema.properties as Record<string, { const?: unknown }> | undefined;
  const type = properties?.type?.const;
  if (schema.type !== 'object' || typeof type !== 'string' || !('interval' in (properties ?? {}))) return;
  schema.additionalProperties = false;
  if (type === 'push') schema.required = [...new Set([...(schema.required as string[] | undefined ?? []), 'token'])];
}

/** The schema file's exact text (2-space JSON and a final newline), as committed. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
