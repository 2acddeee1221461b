/**
 * `npm run migrate`: runs pending migrations against DATABASE_URL (the server also
 * migrates on start; this is for deploy pipelines that migrate first).
 */
import { loadConfigOrExit } from '../config.js';
import { createDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

if (process.argv.length > 2) {
  console.error(`usage: npm run migrate (no arguments; DATABASE_URL names the database), got ${process.argv.slice(2).join(' ')}`);
  process.exit(2);
}
const config = loadConfigOrExit();
if (!config.DATABASE_URL) {
  console.error('DATABASE_URL is not set. (`npm start` migrates its embedded PostgreSQL by itself.)');
  process.exit(2);
}
const db = createDb({ url: config.DATABASE_URL, poolMax: 1 });
try {
  const results = await migrateToLatest(db);
  console.log(results.length === 0 ? 'up to date' : results.map((r) => `${r.status}: ${r.migrationName}`).join('\n'));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
