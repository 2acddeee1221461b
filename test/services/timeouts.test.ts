import t, { type Test } from 'tap';
import pg from 'pg';
import { sql } from 'kysely';
import { testApp, type TestApp } from '../helpers/app.js';
import { bill, P, writtenForKey } from '../helpers/fixtures.js';
import { loadConfig } from '../../src/config.js';
import { toWireError } from '../../src/http/plugins/errors.js';

/*
 * Statement and lock timeouts of the service's connections: a settlement stuck behind a
 * row another transaction holds ends, rolls back whole and is answered 503 (send it
 * again), instead of holding a settlement worker and a connection for ever.
 */

/** Another session holding a person's ledger row of 2026, as a stuck transaction would. */
async function holdLedger(t: Test, ctx: TestApp, personId: string): Promise<{ release: () => Promise<void> }> {
  const other = new pg.Client(ctx.url);
  await other.connect();
  t.teardown(() => other.end().catch(() => {}));
  await other.query('BEGIN');
  const { rowCount } = await other.query('SELECT 1 FROM person_ledgers WHERE person_id = $1 AND year = 2026 FOR UPDATE', [personId]);
  t.equal(rowCount, 1, 'the ledger row exists and is held');
  return { release: async () => void (await other.query('ROLLBACK')) };
}


t.test('the defaults, and 0 for the server’s own setting', async (t) => {
  const d = loadConfig({});
  t.equal(d.DB_STATEMENT_TIMEOUT_MS, 30_000);
  t.equal(d.DB_LOCK_TIMEOUT_MS, 5_000);
  const off = loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0', DB_LOCK_TIMEOUT_MS: '0' });
  t.same([off.DB_STATEMENT_TIMEOUT_MS, off.DB_LOCK_TIMEOUT_MS], [0, 0]);
  t.throws(() => loadConfig({ DB_LOCK_TIMEOUT_MS: '-1' }), /DB_LOCK_TIMEOUT_MS/);
  // A whole request: 300 s, room for a full identity list (15 MB as JSON) on a slow link; never off.
  t.equal(d.REQUEST_TIMEOUT_SECONDS, 300);
  t.throws(() => loadConfig({ REQUEST_TIMEOUT_SECONDS: '0' }), /REQUEST_TIMEOUT_SECONDS/);
});

t.test('the service’s connections carry the configured timeouts', async (t) => {
  const ctx = await testApp(t, { config: { DB_STATEMENT_TIMEOUT_MS: 12_000, DB_LOCK_TIMEOUT_MS: 3_000 } });
  const { rows } = await sql<{ name: string; setting: string }>`
    SELECT name, setting FROM pg_settings WHERE name IN ('statement_timeout', 'lock_timeout') ORDER BY name`.execute(ctx.db);
  t.same(rows, [{ name: 'lock_timeout', setting: '3000' }, { name: 'statement_timeout', setting: '12000' }]);
});

t.test('a settlement waiting on a held ledger longer than DB_LOCK_TIMEOUT_MS: 503, nothing written, settles when sent again', async (t) => {
  const lines: string[] = [];
  const ctx = await testApp(t, { config: { DB_LOCK_TIMEOUT_MS: 200 }, logStream: { write: (line: string) => void lines.push(line) } });
  t.equal((await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, visitNo: 'LT-1' }), key: 'lt-1' })).statusCode, 201);
  const held = await holdLedger(t, ctx, P.DIBAO);

  const refused = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, visitNo: 'LT-2' }), key: 'lt-2' });
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['retry-after'], '1');
  t.match(refused.json(), { code: 'SERVICE_UNAVAILABLE', message: /DB_LOCK_TIMEOUT_MS.*send the request again/, details: { sqlstate: '55P03' } });
  t.same(await writtenForKey(ctx.db, 'lt-2'), { keys: 0, settlements: 0 }, 'neither the claim nor the settlement is left');
  const warned = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: { code?: string } }).filter((l) => l.level === 40 && l.err?.code === '55P03');
  t.ok(warned.length >= 1, 'logged at warn with the database error');

  // Another person's settlement is not held up by it.
  t.equal((await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.ORD, visitNo: 'LT-3' }), key: 'lt-3' })).statusCode, 201);

  await held.release();
  const again = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, visitNo: 'LT-2' }), key: 'lt-2' });
  t.equal(again.statusCode, 201, 'the same request, sent again, settles');
});

t.test('a statement running past DB_STATEMENT_TIMEOUT_MS: 503, nothing written', async (t) => {
  const ctx = await testApp(t, { config: { DB_STATEMENT_TIMEOUT_MS: 300, DB_LOCK_TIMEOUT_MS: 0 } });
  t.equal((await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, visitNo: 'ST-1' }), key: 'st-1' })).statusCode, 201);
  const held = await holdLedger(t, ctx, P.DIBAO);
  const refused = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, visitNo: 'ST-2' }), key: 'st-2' });
  t.equal(refused.statusCode, 503);
  t.match(refused.json(), { code: 'SERVICE_UNAVAILABLE', message: /DB_STATEMENT_TIMEOUT_MS/, details: { sqlstate: '57014' } });
  t.same(await writtenForKey(ctx.db, 'st-2'), { keys: 0, settlements: 0 });
  await held.release();
});

t.test('a reversal waiting on a held ledger is answered 503 the same way, and the original stays active', async (t) => {
  const ctx = await testApp(t, { config: { DB_LOCK_TIMEOUT_MS: 200 } });
  const rec = (await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, visitNo: 'RV-1' }), key: 'rv-1' })).json();
  const held = await holdLedger(t, ctx, P.DIBAO);
  const refused = await ctx.call('POST', `/v1/settlements/${rec.id}/reversal`, { body: { reason: 'wrong bill' } });
  t.equal(refused.statusCode, 503);
  t.match(refused.json(), { code: 'SERVICE_UNAVAILABLE', details: { sqlstate: '55P03' } });
  await held.release();
  t.equal((await ctx.call('GET', `/v1/settlements/${rec.id}`)).json().status, 'active', 'nothing of the reversal was written');
  t.equal((await ctx.call('POST', `/v1/settlements/${rec.id}/reversal`, { body: { reason: 'wrong bill' } })).statusCode, 201, 'sent again, it goes through');
});

t.test('deadlocks and serialization failures are answered 503 as well; other database errors are not', async (t) => {
  const dbError = (code: string) => Object.assign(new pg.DatabaseError('refused', 0, 'error'), { code });
  for (const code of ['40P01', '40001', '55P03', '57014']) {
    t.match(toWireError(dbError(code)), { status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: /send the request again/, details: { sqlstate: code } } }, code);
  }
  t.equal(toWireError(dbError('23505')), null, 'a unique violation stays what it is (a 500 unless a caller handles it)');
  t.equal(toWireError(Object.assign(new Error('not from PostgreSQL'), { code: '55P03' })), null, 'only PostgreSQL’s own errors');
});
