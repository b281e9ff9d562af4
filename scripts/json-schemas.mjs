// Writes schemas/lc-*.schema.json (the JSON Schema of every --json output) from the zod
// schemas in src/json-schemas.ts, as tsc built them into dist/. Part of `npm run build`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { jsonSchemas } from '../dist/src/json-schemas.js';

mkdirSync('schemas', { recursive: true });
const docs = jsonSchemas();
for (const f of readdirSync('schemas')) if (f.endsWith('.schema.json') && !(f in docs)) rmSync(`schemas/${f}`);
for (const [file, schema] of Object.entries(docs)) writeFileSync(`schemas/${file}`, JSON.stringify(schema, null, 2) + '\n');
