import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import { createDb, withDatabase, type Db } from '../../src/db/database.js';
import { createDatabaseFromTemplate, createEmptyDatabase, dropDatabase } from './template.js';

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run database tests through \`npm test\` (test/run.ts), e.g. npm test -- test/http`);
  return v;
}

/**
 * A fresh database for one test file, cloned from the migrated template, dropped at
 * teardown. Files run in parallel, each in its own database.
 */
export async function testDatabase(t: Test, opts: { poolMax?: number; statementTimeoutMs?: number; lockTimeoutMs?: number } = {}): Promise<TestDatabase> {
  const adminUrl = env('TEST_PG_URL');
  const name = `${env('TEST_RUN_ID')}_${randomBytes(4).toString('hex')}`;
  await createDatabaseFromTemplate(adminUrl, env('TEST_TEMPLATE_DB'), name);
  const url = withDatabase(adminUrl, name);
  const db = createDb({ url, poolMax: opts.poolMax ?? 8, statementTimeoutMs: opts.statementTimeoutMs ?? 0, lockTimeoutMs: opts.lockTimeoutMs ?? 0 });
  t.teardown(async () => {
    await db.destroy();
    await dropDatabase(adminUrl, name);
  });
  return { db, url, name };
}

/**
 * An empty database for one test file that runs migrations itself (up to one, then past
 * it), dropped at teardown.
 */
export async function emptyDatabase(t: Test, label: string, opts: { poolMax?: number } = {}): Promise<TestDatabase> {
  const adminUrl = env('TEST_PG_URL');
  const name = `${env('TEST_RUN_ID')}_${label}_${randomBytes(3).toString('hex')}`;
  await createEmptyDatabase(adminUrl, name);
  const url = withDatabase(adminUrl, name);
  const db = createDb({ url, poolMax: opts.poolMax ?? 2 });
  t.teardown(async () => {
    await db.destroy();
    await dropDatabase(adminUrl, name);
  });
  return { db, url, name };
}
