/**
 * `npm run openapi` writes openapi/openapi.json from the route schemas;
 * `npm run openapi:check` fails when the committed file differs (CI drift check).
 * An entry point only (no "am I the main module" test, which a symlinked or
 * percent-encoded path could make silently false): the document is built in
 * src/http/openapi-doc.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateOpenApi, OPENAPI_FILE } from '../http/openapi-doc.js';

const text = await generateOpenApi();
if (process.argv.includes('--check')) {
  const committed = await readFile(OPENAPI_FILE, 'utf8').catch(() => '');
  if (committed !== text) {
    console.error(`${path.relative(process.cwd(), OPENAPI_FILE)} is out of date: run \`npm run openapi\` and commit it.`);
    process.exit(1);
  }
  console.log('openapi/openapi.json is up to date');
} else {
  await writeFile(OPENAPI_FILE, text);
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}`);
}
