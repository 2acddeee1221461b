import type { Test } from 'tap';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { mintApiKey } from '../../src/services/api-keys.js';
import { fixedClock, type Clock } from '../../src/services/clock.js';
import type { SettlementHooks } from '../../src/services/settle.js';
import { testDatabase, type TestDatabase } from './db.js';
import { seedReference, TODAY } from './fixtures.js';

export interface TestApp extends TestDatabase {
  app: FastifyInstance;
  apiKey: string;
  /** inject() with the test API key; `key` sets Idempotency-Key. */
  call(method: InjectOptions['method'], url: string, opts?: { body?: unknown; key?: string; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
}

/** A fresh database with reference data, an admin API key, and the app built on it (never listening). */
export async function testApp(t: Test, opts: { clock?: Clock; hooks?: SettlementHooks; poolMax?: number } = {}): Promise<TestApp> {
  const tdb = await testDatabase(t, opts.poolMax !== undefined ? { poolMax: opts.poolMax } : {});
  await seedReference(tdb.db);
  const { key: apiKey } = await mintApiKey(tdb.db, { label: 'test', role: 'admin' });
  const app = await buildApp({ config: loadConfig({}), db: tdb.db, logger: process.env.TEST_LOG === '1', clock: opts.clock ?? fixedClock(TODAY), ...(opts.hooks ? { hooks: opts.hooks } : {}) });
  t.teardown(() => app.close());
  const call: TestApp['call'] = (method, url, o = {}) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${apiKey}`, ...(o.key !== undefined ? { 'idempotency-key': o.key } : {}), ...o.headers },
      ...(o.body !== undefined ? { payload: o.body as object } : {}),
    });
  return { ...tdb, app, apiKey, call };
}
