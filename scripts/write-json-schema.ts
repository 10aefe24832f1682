// Writes schema/vigie.schema.json from the zod schema (npm run schema); a test fails when the committed file is stale.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMA_PATH, renderJsonSchema } from '../src/config/json-schema.js';

const target = fileURLToPath(new URL(`../${JSON_SCHEMA_PATH}`, import.meta.url));
await writeFile(target, renderJsonSchema());
console.log(`wrote ${target}`);
