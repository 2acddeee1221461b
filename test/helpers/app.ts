import type { Test } from 'tap';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { mintApiKey, type Role } from '../../src/services/api-keys.js';
import { fixedClock, type Clock } from '../../src/services/clock.js';
import type { SettlementHooks } from '../../src/services/settle.js';
import { testDatabase, type TestDatabase } from './db.js';
import { answersRecord, assertRecordShape } from './record-shape.js';
import { H, seedReference, TODAY } from './fixtures.js';

/** Who calls: a role, and for hospital and cashier keys the hospital code. */
export type As = Role | { role: Role; hospital: string };

export interface TestApp extends TestDatabase {
  app: FastifyInstance;
  /** A hospital key of H.WZ2 (for raw app.inject calls). */
  apiKey: string;
  /** A key of that role (and hospital), minted once per file and cached. */
  keyFor(as: As): Promise<string>;
  /**
   * inject() with an API key; `key` sets Idempotency-Key. Without `as` the key fits the
   * route: a hospital key of the bill's (or the settlement's) hospital for preview, settle
   * and reversal, an ops key for other settlement and ledger reads, an admin key otherwise.
   */
  call(method: InjectOptions['method'], url: string, opts?: { body?: unknown; key?: string; headers?: Record<string, string>; as?: As }): Promise<LightMyRequestResponse>;
}

/** A fresh database with reference data and the app built on it (never listening). */
/** `logStream`: capture the app's pino lines (JSON, one per write) instead of discarding them. */
export async function testApp(t: Test, opts: { clock?: Clock; hooks?: SettlementHooks; poolMax?: number; config?: Partial<Config>; logStream?: { write(line: string): void } } = {}): Promise<TestApp> {
  const config = loadConfig({}, opts.config ?? {});
  // The app's connections carry the configured statement and lock timeouts, as in server.ts.
  const tdb = await testDatabase(t, { ...(opts.poolMax !== undefined ? { poolMax: opts.poolMax } : {}), statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS, lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS });
  await seedReference(tdb.db);
  const app = await buildApp({
    config, db: tdb.db, clock: opts.clock ?? fixedClock(TODAY), ...(opts.hooks ? { hooks: opts.hooks } : {}),
    ...(opts.logStream ? { logStream: opts.logStream } : { logger: process.env.TEST_LOG === '1' }),
  });
  t.teardown(() => app.close());

  const minted = new Map<string, Promise<string>>();
  const keyFor = (as: As): Promise<string> => {
    const { role, hospital } = typeof as === 'string' ? { role: as, hospital: undefined } : as;
    const id = `${role}:${hospital ?? ''}`;
    if (!minted.has(id)) {
      minted.set(id, (async () => {
        const h = hospital === undefined ? undefined : await tdb.db.selectFrom('hospitals').select('id').where('code', '=', hospital).executeTakeFirstOrThrow();
        return (await mintApiKey(tdb.db, { label: `test-${id}`, role, hospitalId: h?.id ?? null })).key;
      })());
    }
    return minted.get(id)!;
  };

  async function hospitalOf(url: string, body: unknown): Promise<string> {
    const code = (body as { hospitalCode?: string } | undefined)?.hospitalCode;
    const id = /^\/v1\/settlements\/([0-9a-f-]{36})\//.exec(url)?.[1];
    const row = code !== undefined
      ? await tdb.db.selectFrom('hospitals').select('code').where('code', '=', code).executeTakeFirst()
      : id !== undefined
        ? await tdb.db.selectFrom('settlements as s').innerJoin('hospitals as h', 'h.id', 's.hospital_id').select('h.code').where('s.id', '=', id).executeTakeFirst()
        : undefined;
    return row?.code ?? H.WZ2;
  }

  async function fitting(method: string, url: string, body: unknown): Promise<As> {
    const path = url.split('?')[0]!;
    if (method === 'POST' && (/^\/v1\/settlements(\/preview)?$/.test(path) || path.endsWith('/reversal'))) return { role: 'hospital', hospital: await hospitalOf(path, body) };
    if (path.startsWith('/v1/settlements') || /^\/v1\/persons\/[^/]+\/ledger$/.test(path)) return 'ops';
    return 'admin';
  }

  const apiKey = await keyFor({ role: 'hospital', hospital: H.WZ2 });
  const call: TestApp['call'] = async (method, url, o = {}) => {
    const key = await keyFor(o.as ?? (await fitting(String(method), url, o.body)));
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}`, ...(o.key !== undefined ? { 'idempotency-key': o.key } : {}), ...o.headers },
      ...(o.body !== undefined ? { payload: o.body as object } : {}),
    });
    // Every settlement record any test receives is checked against the schema (see record-shape.ts).
    if (res.statusCode < 300 && answersRecord(String(method), url.split('?')[0]!)) assertRecordShape(res.body);
    return res;
  };
  return { ...tdb, app, apiKey, keyFor, call };
}
