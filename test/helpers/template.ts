import pg from 'pg';
import { createDb, withDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { loadPolicyVersions } from '../../src/services/bootstrap.js';

/*
 * The migrated template every test file clones (immich's trick): migrations and policy
 * packs run once per `npm test`, and `CREATE DATABASE … TEMPLATE` copies the result in
 * milliseconds. Database names carry the run id, so concurrent runs against one
 * external server never touch each other's databases.
 */

async function admin<T>(adminUrl: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(adminUrl);
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

export async function prepareTemplate(adminUrl: string, runId: string): Promise<string> {
  const name = `${runId}_tmpl`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  const db = createDb({ url: withDatabase(adminUrl, name), poolMax: 2 });
  try {
    await migrateToLatest(db);
    await loadPolicyVersions(db);
  } finally {
    // A template cannot be cloned while anyone is connected to it.
    await db.destroy();
  }
  return name;
}

/** An empty database: no migrations, no template (for a test of the migrations themselves). */
export async function createEmptyDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
}

export async function createDatabaseFromTemplate(adminUrl: string, template: string, name: string): Promise<void> {
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(template)}`));
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
}

/** Drops every database of one test run (the template and any a crashed file left behind). */
export async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  const names = await admin(adminUrl, async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`${runId}_`])).rows.map((r) => r.datname));
  for (const n of names) await dropDatabase(adminUrl, n);
}
