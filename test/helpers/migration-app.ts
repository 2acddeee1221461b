import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { MigrationResultSet } from 'kysely';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import { migrator } from '../../src/db/migrate.js';
import { buildApp } from '../../src/http/app.js';
import { mintApiKey } from '../../src/services/api-keys.js';
import { loadPolicyVersions } from '../../src/services/bootstrap.js';
import { fixedClock } from '../../src/services/clock.js';
import { H, seedReference, TODAY } from './fixtures.js';

/** What a migration test settles with before it migrates further (see appBeforeMigration). */
export interface MigrationApp {
  /** migrateTo's result: the test asserts it has no error. */
  migrated: MigrationResultSet;
  /** The caller closes it (at the end of the file: it outlives the migration). */
  app: FastifyInstance;
  /** A hospital key of H.WZ2, and an ops key. */
  key: string;
  ops: string;
  /** inject() with a key (the hospital's unless `as`); `idem` sets Idempotency-Key. */
  call(method: 'GET' | 'POST', url: string, body?: unknown, idem?: string, as?: string): Promise<LightMyRequestResponse>;
}

/**
 * For a test of one migration: an empty database migrated up to `migration` (the one
 * before the migration under test), with the policy packs, the reference data, an app on
 * it and two keys, so that the test can settle under the old schema, migrate to the latest
 * and look at what it wrote.
 */
export async function appBeforeMigration(db: Db, migration: string, label: string): Promise<MigrationApp> {
  const migrated = await migrator(db).migrateTo(migration);
  await loadPolicyVersions(db);
  await seedReference(db);
  const app = await buildApp({ config: loadConfig({}, {}), db, clock: fixedClock(TODAY), logger: false });
  const hospitalId = (await db.selectFrom('hospitals').select('id').where('code', '=', H.WZ2).executeTakeFirstOrThrow()).id;
  const key = (await mintApiKey(db, { label, role: 'hospital', hospitalId })).key;
  const ops = (await mintApiKey(db, { label: `${label}-ops`, role: 'ops', hospitalId: null })).key;
  const call: MigrationApp['call'] = (method, url, body, idem, as = key) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${as}`, ...(idem ? { 'idempotency-key': idem } : {}) }, ...(body ? { payload: body as object } : {}) });
  return { migrated, app, key, ops, call };
}
