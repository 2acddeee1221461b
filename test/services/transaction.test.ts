import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';
import { interceptQueries } from '../helpers/pg-intercept.js';
import { randomUUID } from 'node:crypto';
import { addPerson, bill, H, P } from '../helpers/fixtures.js';
import { sql } from 'kysely';
import { IDLE_IN_TRANSACTION_MS, pgTransaction } from '../../src/db/database.js';
import { insertSettlement, type SettlementInsert } from '../../src/db/repositories/settlements.js';

/** Every table the settlement transaction writes (the audit row is a CTE of the settlement insert). */
const TABLES = ['settlements', 'settlement_fund_lines', 'settlement_inputs', 'idempotency_keys', 'person_ledgers', 'audit_log'] as const;

t.test('a failure after the settlement insert rolls the whole transaction back', async (t) => {
  let fail = true;
  const ctx = await testApp(t, {
    hooks: {
      afterSettlementInsert: () => {
        if (fail) throw new Error('injected failure after the settlement insert');
      },
    },
  });
  const counts = async (): Promise<Record<(typeof TABLES)[number], number>> => Object.fromEntries(await Promise.all(TABLES.map(async (tb) => [tb, Number((await ctx.db.selectFrom(tb).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)])));

  const initial = await counts();
  t.same({ ...initial, audit_log: 0 }, { settlements: 0, settlement_fund_lines: 0, settlement_inputs: 0, idempotency_keys: 0, person_ledgers: 0, audit_log: 0 }, 'a fresh database (audit rows of key set-up aside)');

  // A first settlement that commits, so the ledger row exists and must stay as it is.
  const ok = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-ok' }).then((r) => (fail = true, r));
  t.equal(ok.statusCode, 500, 'the hook fails the very first one too');
  t.same(await counts(), initial, 'even the new ledger row and the audit row are gone');

  fail = false;
  const first = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-first' });
  t.equal(first.statusCode, 201);
  // Read first: the ops key this mints writes an audit row of its own.
  const ledgerBefore = (await ctx.call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json();
  const before = await counts();
  t.equal(await ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'settlement.create').execute().then((r) => r.length), 1, 'a committed settlement writes its audit row (so the check below would see one left behind)');

  fail = true;
  const r = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-fail' });
  t.equal(r.statusCode, 500);
  t.same(await counts(), before, 'no row of any kind is left');
  t.same((await ctx.call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json(), ledgerBefore, 'the ledger is unchanged');
  t.equal((await ctx.call('GET', `/v1/settlements/by-key/k-fail?hospital=${H.WZ2}`)).statusCode, 404, 'the key is free: only committed outcomes are replayed');

  fail = false;
  const retry = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-fail' });
  t.equal(retry.statusCode, 201, 'a retry with the same key settles normally');
});

/** A settlement insert copied from a committed settlement `id` (same amounts and lines), for probing insertSettlement directly. */
async function copyOfSettlement(db: TestApp['db'], id: string, over: Pick<SettlementInsert, 'person_id' | 'visit_no' | 'hospitalTerms'>): Promise<SettlementInsert> {
  const row = await db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const lines = await db.selectFrom('settlement_fund_lines').select(['layer', 'fund_code', 'national_field', 'amount_base', 'amount_paid']).where('settlement_id', '=', id).orderBy('seq').execute();
  const ledgerAfter = (row.result as { ledgerAfter: unknown }).ledgerAfter;
  return {
    id: randomUUID(), kind: 'settlement', reverses_id: null, hospital_id: row.hospital_id,
    visit_type: row.visit_type, admission_date: row.admission_date, discharge_date: row.discharge_date, settlement_date: row.settlement_date,
    deciding_date: row.deciding_date, policy_year: row.policy_year, policy_version_id: row.policy_version_id, identity_used: row.identity_used,
    idempotency_key: null, reason: null, amount_total: row.amount_total, amount_fully_self_paid: row.amount_fully_self_paid,
    amount_over_limit: row.amount_over_limit, amount_pre_self_pay: row.amount_pre_self_pay, amount_in_scope: row.amount_in_scope,
    amount_fund_total: row.amount_fund_total, amount_patient: row.amount_patient, result: row.result as object, fundLines: lines, inputs: null,
    ledger: { year: row.policy_year, data: ledgerAfter },
    ...over,
  };
}

t.test('a settlement insert whose ledger row was never locked fails and leaves nothing', async (t) => {
  const ctx = await testApp(t);
  const rec = (await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-model' })).json();
  await addPerson(ctx.db, 'P-NO-LEDGER');
  const before = await ctx.db.selectFrom('settlements').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const copy = await copyOfSettlement(ctx.db, rec.id, { person_id: 'P-NO-LEDGER', visit_no: 'V-NO-LEDGER', hospitalTerms: null });
  await t.rejects(pgTransaction(ctx.db, (client) => insertSettlement(client, copy)), /ledger of P-NO-LEDGER\/2026 was not written/);
  t.same(await ctx.db.selectFrom('settlements').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(), before, 'the settlement row rolled back');
  t.equal(await ctx.db.selectFrom('person_ledgers').select('year').where('person_id', '=', 'P-NO-LEDGER').executeTakeFirst(), undefined);
});

t.test('a backend terminated between two statements fails that transaction only; the process and the pool carry on', async (t) => {
  const ctx = await testApp(t);
  const killed = async (pid: number) => {
    await sql`SELECT pg_terminate_backend(${pid})`.execute(ctx.db);
    // The 'error' event reaches the lent-out client while no query is running on it:
    // without a listener of our own it would end the process (and this test with it).
    await new Promise((resolve) => setTimeout(resolve, 300));
  };
  const viaPg = await pgTransaction(ctx.db, async (client) => {
    await killed((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    await client.query('SELECT 1');
  }).then(() => null, (e: unknown) => e);
  t.ok(viaPg instanceof Error, `the pg transaction fails (${String(viaPg)})`);
  const viaKysely = await ctx.db.transaction().execute(async (trx) => {
    await killed((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid);
    await sql`SELECT 1`.execute(trx);
  }).then(() => null, (e: unknown) => e);
  t.ok(viaKysely instanceof Error, `the kysely transaction fails (${String(viaKysely)})`);
  const after = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-after-kill' });
  t.equal(after.statusCode, 201, 'the next settlement goes through on a healthy connection');
});

t.test('the service’s connections end a transaction left idle beyond the timeout', async (t) => {
  const ctx = await testApp(t);
  const { rows } = await sql<{ setting: string; unit: string }>`SELECT setting, unit FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'`.execute(ctx.db);
  t.same(rows[0], { setting: String(IDLE_IN_TRANSACTION_MS), unit: 'ms' }, 'set on every pooled connection, so a stuck caller cannot hold a ledger lock for ever');
});

t.test('a settlement computed with a level or region the registry no longer has on its discharge date is not inserted', async (t) => {
  const ctx = await testApp(t);
  const rec = (await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-terms' })).json();
  const before = await ctx.db.selectFrom('settlements').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const attempt = (terms: { level: number; regionCode: string }) =>
    pgTransaction(ctx.db, async (client) => {
      const copy = await copyOfSettlement(ctx.db, rec.id, { person_id: P.DIBAO, visit_no: `V-TERMS-${terms.level}-${terms.regionCode}`, hospitalTerms: terms });
      // The ledger row exists (the first settlement created it): lock it as a settlement would.
      await client.query('SELECT 1 FROM person_ledgers WHERE person_id = $1 AND year = $2 FOR UPDATE', [P.DIBAO, copy.policy_year]);
      const created = await insertSettlement(client, copy);
      if (created === null) throw new Error('refused by the registry guard');
      throw new Error('inserted; rolling back this probe');
    });
  await t.rejects(attempt({ level: 3, regionCode: '330300' }), /refused by the registry guard/, 'H.WZ2 is level 2, not 3');
  await t.rejects(attempt({ level: 2, regionCode: '522701' }), /refused by the registry guard/, 'nor in Qiannan');
  await t.rejects(attempt({ level: 2, regionCode: '330300' }), /inserted; rolling back/, 'its real terms pass the guard');
  t.same(await ctx.db.selectFrom('settlements').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(), before, 'nothing was kept');
});

t.test('pgTransaction sends BEGIN with the first statement, which still runs inside the transaction', async (t) => {
  const ctx = await testApp(t);
  const insert = 'INSERT INTO audit_log (actor, action, target_type, target_id) VALUES ($1, $2, $3, $4)';
  // Every query issued and answered on a pg client of this process, in order.
  const events: string[] = [];
  // What each connection wrote (BEGIN, the insert, COMMIT) and when it received bytes, in order.
  const wire = new Map<object, string[]>();
  const restore = interceptQueries((client, args, through) => {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
    type Stream = { write: (chunk: unknown, ...rest: unknown[]) => boolean; prependListener: (e: 'data', f: () => void) => void };
    const stream = (client as unknown as { connection: { stream: Stream } }).connection.stream;
    if (!wire.has(stream)) {
      const log: string[] = [];
      wire.set(stream, log);
      const write = stream.write;
      stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
        // BEGIN and COMMIT travel as simple queries, the insert (unnamed) with its text in its Parse message.
        const bytes = Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk);
        for (const q of ['BEGIN', 'COMMIT', insert]) if (bytes.includes(q)) log.push(`written ${q}`);
        return write.call(this, chunk, ...rest);
      };
      // Before pg reads the bytes (and, without pipelining, writes what waited for them).
      stream.prependListener('data', () => log.push('received'));
    }
    events.push(`issued ${text}`);
    const answer = through();
    if (answer instanceof Promise) void answer.then(() => events.push(`answered ${text}`), () => events.push(`failed ${text}`));
    return answer;
  });
  t.teardown(restore);
  const mark = `pipelined-${randomUUID()}`;
  const count = async () => Number((await ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('actor', '=', mark).executeTakeFirstOrThrow()).n);

  await pgTransaction(ctx.db, async (client) => {
    await client.query(insert, [mark, 'test.pipeline', 'test', '1']);
  });
  const mine = events.filter((e) => e.endsWith(' BEGIN') || e.endsWith(' COMMIT') || e.endsWith(insert));
  t.same(mine, [
    'issued BEGIN',
    `issued ${insert}`, // before BEGIN is answered
    'answered BEGIN',
    `answered ${insert}`,
    'issued COMMIT', // only once both are answered
    'answered COMMIT',
  ]);
  const [log] = [...wire.values()].filter((l) => l.includes('written BEGIN'));
  t.same(log?.slice(0, 3), ['written BEGIN', `written ${insert}`, 'received'], 'both were on the wire before any answer came back: one round trip');
  t.ok(log && log.indexOf('written COMMIT') > log.indexOf('received'), 'COMMIT after it');
  t.equal(await count(), 1, 'committed');

  // The first statement belongs to the transaction: when fn fails later, it rolls back too.
  await t.rejects(pgTransaction(ctx.db, async (client) => {
    await client.query(insert, [mark, 'test.pipeline', 'test', '2']);
    const inside = await client.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE actor = $1', [mark]);
    t.equal(inside.rows[0]!.n, '2', 'the transaction sees its own first row');
    throw new Error('fail after the first statement');
  }), /fail after the first statement/);
  t.equal(await count(), 1, 'the pipelined first statement rolled back with the transaction');

  // A transaction whose fn issues nothing still begins and commits.
  t.equal(await pgTransaction(ctx.db, async () => 'nothing'), 'nothing');
  t.equal(await count(), 1);
  // Every connection goes back to the pool: more transactions than it holds (DB_POOL_MAX,
  // 6 by default), failing and not, each still gets one (a leak would wait out the pool's
  // 5 s and fail).
  for (let i = 0; i < 10; i++) {
    await t.rejects(pgTransaction(ctx.db, async (client) => {
      await client.query('SELECT 1');
      throw new Error(`fails ${i}`);
    }), new RegExp(`fails ${i}`));
    t.equal(await pgTransaction(ctx.db, async (client) => (await client.query<{ n: number }>('SELECT $1::int AS n', [i])).rows[0]!.n), i);
  }
});
