import t from 'tap';
import net from 'node:net';
import pg from 'pg';
import { sql } from 'kysely';
import { createDb } from '../../src/db/database.js';
import { lockPersonsByIdCard } from '../../src/db/repositories/identities.js';
import { loadBundledPacks } from '../../src/policies/loader.js';
import { loadConfig } from '../../src/config.js';
import { fixedClock } from '../../src/services/clock.js';
import { PolicyStore } from '../../src/services/policies.js';
import { settleJobs, type SettleDeps, type SettleJob, type SettleOutcome } from '../../src/services/settle.js';
import { AppError } from '../../src/http/errors.js';
import { testApp } from '../helpers/app.js';
import { interceptQueries } from '../helpers/pg-intercept.js';
import { addPerson, bill, H, TODAY } from '../helpers/fixtures.js';
import { Decimal } from 'decimal.js';
import { statementSlots } from '../../src/db/repositories/settlements.js';
import { assertEveryReplayIdentical } from '../helpers/replay.js';

/*
 * Group commit: several settle requests in one transaction (settleJobs, and the queue of
 * workers in front of it). Which settlements shared a transaction shows in xmin, the id of
 * the transaction that inserted the row.
 */

// One settlement worker: requests arriving while it is busy are settled together.
const ctx = await testApp(t, { config: { SETTLE_WORKERS: 1, SETTLE_BATCH_MAX: 16 } });
const deps: SettleDeps = { db: ctx.db, policies: new PolicyStore(ctx.db), clock: fixedClock(TODAY), hooks: {} };

async function txOf(ids: string[]): Promise<Map<string, string>> {
  const rows = await sql<{ id: string; tx: string }>`SELECT id::text, xmin::text AS tx FROM settlements WHERE id = ANY(${ids}::uuid[])`.execute(ctx.db);
  return new Map(rows.rows.map((r) => [r.id, r.tx]));
}

async function ledgerRows(personId: string): Promise<unknown[]> {
  return (await sql`SELECT year FROM person_ledgers WHERE person_id = ${personId}`.execute(ctx.db)).rows;
}

const value = (r: PromiseSettledResult<SettleOutcome>): SettleOutcome => {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
};
const codeOf = (r: PromiseSettledResult<SettleOutcome>): string => (r.status === 'rejected' && r.reason instanceof AppError ? r.reason.code : `not refused: ${r.status}`);

t.test('jobs of different persons settle in one transaction, each exactly as if alone', async (t) => {
  const persons = ['GC-A', 'GC-B', 'GC-C', 'GC-D'];
  for (const p of persons) await addPerson(ctx.db, p, p === 'GC-B' ? ['dibao'] : []);
  const jobs: SettleJob[] = persons.map((p, i) => ({ req: bill({ personId: p, visitNo: `GC-${i}`, amount: 30_000 + i * 1_111.11 }), key: `gc-${i}` }));
  const previews = await Promise.all(jobs.map((j) => ctx.call('POST', '/v1/settlements/preview', { body: j.req })));
  const results = await settleJobs(deps, jobs);
  const outcomes = results.map(value);
  t.ok(outcomes.every((o) => !o.replayed));
  const tx = await txOf(outcomes.map((o) => o.record.id));
  t.equal(new Set(tx.values()).size, 1, 'all four rows were inserted by one transaction');
  outcomes.forEach((o, i) => {
    t.same(o.record.settlement, previews[i]!.json().settlement, `${persons[i]}: the same settlement as its preview (computed alone)`);
  });
  for (const [i, p] of persons.entries()) {
    const ledger = (await ctx.call('GET', `/v1/persons/${p}/ledger?year=2026`)).json().ledger;
    t.same(ledger, outcomes[i]!.record.settlement!.ledgerAfter, `${p}: the ledger is its own settlement's ledger after`);
  }
  const lines = await sql<{ n: string }>`SELECT count(*)::text AS n FROM settlement_fund_lines WHERE settlement_id = ANY(${outcomes.map((o) => o.record.id)}::uuid[])`.execute(ctx.db);
  t.equal(Number(lines.rows[0]!.n), outcomes.reduce((a, o) => a + o.record.settlement!.layers.length, 0), 'every fund line written once');
  const keys = await sql<{ n: string }>`SELECT count(*)::text AS n FROM idempotency_keys WHERE key LIKE 'gc-%'`.execute(ctx.db);
  t.equal(Number(keys.rows[0]!.n), 4, 'one idempotency record each');
});

t.test('statements are made for a power of two of settlements, and a batch that leaves slots over stores each value with its own settlement', async (t) => {
  t.same([1, 2, 3, 5, 8, 9, 200, 256].map(statementSlots), [1, 2, 4, 8, 8, 16, 256, 256]);
  t.throws(() => statementSlots(0), /1 to 256/);
  t.throws(() => statementSlots(257), /1 to 256/);
  // Five jobs in a statement made for eight: three slots are sent empty. Each with its own
  // amount and visit, so that a result, snapshot or request stored with the wrong
  // settlement cannot look right.
  const persons = ['GC-S1', 'GC-S2', 'GC-S3', 'GC-S4', 'GC-S5'];
  for (const p of persons) await addPerson(ctx.db, p);
  const jobs: SettleJob[] = persons.map((p, i) => ({ req: bill({ personId: p, visitNo: `GC-SLOT-${i}`, amount: 12_000 + i * 777.77 }), key: `gc-slot-${i}` }));
  const outcomes = (await settleJobs(deps, jobs)).map(value);
  const tx = await txOf(outcomes.map((o) => o.record.id));
  t.equal(new Set(tx.values()).size, 1, 'the five were inserted by one transaction');
  for (const [i, o] of outcomes.entries()) {
    const stored = await sql<{ result: unknown; bill: { visitNo: string; lines: unknown[] }; request: unknown; total: string }>`
      SELECT s.result, i.bill, k.request, s.amount_total::text AS total
      FROM settlements s JOIN settlement_inputs i ON i.settlement_id = s.id JOIN idempotency_keys k ON k.settlement_id = s.id
      WHERE s.id = ${o.record.id}`.execute(ctx.db);
    const row = stored.rows[0]!;
    t.same(row.result, o.record.settlement, `${persons[i]}: its own result`);
    t.equal(row.total, jobs[i]!.req.lines.reduce((a, l) => a.plus(l.amount), new Decimal(0)).toFixed(2), `${persons[i]}: its own total`);
    t.equal(row.bill.visitNo, `GC-SLOT-${i}`, `${persons[i]}: its own bill snapshot`);
    t.same(row.request, jobs[i]!.req, `${persons[i]}: its own request on the key`);
  }
});

t.test('a bill the registry refuses: it is answered alone, the others are settled together without it', async (t) => {
  for (const p of ['GC-E', 'GC-F', 'GC-G', 'GC-K']) await addPerson(ctx.db, p);
  const jobs: SettleJob[] = [
    { req: bill({ personId: 'GC-E', visitNo: 'GC-E-1' }), key: 'gc-e' },
    { req: bill({ personId: 'GC-F', visitNo: 'GC-F-1' }), key: 'gc-f' },
    // A hospital whose designation ended: refused by the registry after its claim.
    { req: bill({ personId: 'GC-G', visitNo: 'GC-OLD', hospitalCode: H.OLD }), key: 'gc-old' },
    { req: bill({ personId: 'GC-K', visitNo: 'GC-K-1' }), key: 'gc-k' },
  ];
  const results = await settleJobs(deps, jobs);
  t.equal(codeOf(results[2]!), 'HOSPITAL_NOT_DESIGNATED');
  const good = [results[0]!, results[1]!, results[3]!].map(value);
  const tx = await txOf(good.map((o) => o.record.id));
  t.equal(new Set(tx.values()).size, 1, 'the three good jobs committed together, in a second shared transaction');
  const claims = await sql<{ key: string }>`SELECT key FROM idempotency_keys WHERE key = 'gc-old'`.execute(ctx.db);
  t.same(claims.rows, [], 'nothing of the refused job stays, not even its key claim');
  t.same(await ledgerRows('GC-G'), [], 'nor a ledger row for its person');
});

t.test('a job failing in a batch commits alone, the rest together, and every committed job is answered as committed', async (t) => {
  for (const p of ['GC-R1', 'GC-R2', 'GC-R3']) await addPerson(ctx.db, p);
  let failOnce = true;
  // The policy store fails from its third read on: nothing after the first retry may need it
  // to answer jobs that committed.
  let reads = 0;
  const store = new PolicyStore(ctx.db);
  const flaky: SettleDeps = {
    ...deps,
    policies: { all: async () => { if (++reads > 2) throw new Error('policy store down'); return store.all(); } } as unknown as PolicyStore,
    hooks: { afterSettlementInsert: () => { if (failOnce) { failOnce = false; throw new Error('injected once'); } } },
  };
  const results = await settleJobs(flaky, ['GC-R1', 'GC-R2', 'GC-R3'].map((p) => ({ req: bill({ personId: p, visitNo: `${p}-V` }), key: `${p}-k` })));
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled']);
  const ids = results.map((r) => value(r).record.id);
  const tx = await txOf(ids);
  t.not(tx.get(ids[0]!), tx.get(ids[1]!), 'the job that failed the shared transaction committed alone');
  t.equal(tx.get(ids[1]!), tx.get(ids[2]!), 'the two others committed together');
  t.equal(reads, 1, 'only the batch read the policies; the retry alone and settling the rest again used that reading');
});

t.test('a rolled-back shared transaction is logged: info for a refused bill, warn for a database refusal', async (t) => {
  for (const p of ['GC-LOG-1', 'GC-LOG-2', 'GC-LOG-3', 'GC-LOG-4']) await addPerson(ctx.db, p);
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const logged: SettleDeps = {
    ...deps,
    log: { info: (obj, msg) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }), warn: (obj, msg) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }) },
  };
  await settleJobs(logged, [
    { req: bill({ personId: 'GC-LOG-1', visitNo: 'GC-LOG-OLD', hospitalCode: H.OLD }), key: 'gc-log-1' },
    { req: bill({ personId: 'GC-LOG-2', visitNo: 'GC-LOG-2' }), key: 'gc-log-2' },
  ]);
  t.equal(lines.length, 1);
  t.match(lines, [{ level: 'info', obj: { batch: 2, failedVisit: 'GC-LOG-OLD' }, msg: /rolled back/ }]);
  lines.length = 0;
  await settleJobs(logged, [
    { req: bill({ personId: 'GC-LOG-3', visitNo: 'GC-LOG-TWICE' }), key: 'gc-log-3' },
    { req: bill({ personId: 'GC-LOG-4', visitNo: 'GC-LOG-TWICE' }), key: 'gc-log-4' },
  ]);
  t.equal(lines.length, 1);
  t.match(lines, [{ level: 'warn', obj: { batch: 2, failedVisit: null, err: { code: '23505' } }, msg: /rolled back/ }]);
});

t.test('a statement the database refuses (one visit twice in one batch): every job runs alone', async (t) => {
  for (const p of ['GC-L', 'GC-M', 'GC-N']) await addPerson(ctx.db, p);
  const jobs: SettleJob[] = [
    { req: bill({ personId: 'GC-L', visitNo: 'GC-SAME' }), key: 'gc-same-1' },
    // The same visit number under another key (a HIS bug): neither is settled yet when the batch opens.
    { req: bill({ personId: 'GC-M', visitNo: 'GC-SAME' }), key: 'gc-same-2' },
    { req: bill({ personId: 'GC-N', visitNo: 'GC-N-1' }), key: 'gc-n' },
  ];
  const results = await settleJobs(deps, jobs);
  const first = value(results[0]!);
  t.equal(codeOf(results[1]!), 'VISIT_ALREADY_SETTLED', 'the second of the two is refused');
  t.equal((results[1] as PromiseRejectedResult).reason.details.settlementId, first.record.id, 'naming the first');
  const n = value(results[2]!);
  const tx = await txOf([first.record.id, n.record.id]);
  t.not(tx.get(first.record.id), tx.get(n.record.id), 'after the unique violation each job committed alone');
  t.same(await ledgerRows('GC-M'), [], 'the refused one left no ledger row');
});

t.test('a key already answered, a visit settled before, an unknown person and a second job of one person, in one batch', async (t) => {
  for (const p of ['GC-H', 'GC-I', 'GC-J', 'GC-O']) await addPerson(ctx.db, p);
  const first = value((await settleJobs(deps, [{ req: bill({ personId: 'GC-H', visitNo: 'GC-H-1' }), key: 'gc-h' }]))[0]!);
  const settled = value((await settleJobs(deps, [{ req: bill({ personId: 'GC-O', visitNo: 'GC-O-1' }), key: 'gc-o-1' }]))[0]!);
  const jobs: SettleJob[] = [
    { req: bill({ personId: 'GC-H', visitNo: 'GC-H-1' }), key: 'gc-h' }, // a retry: the stored answer
    { req: bill({ personId: 'NOBODY', visitNo: 'GC-X' }), key: 'gc-x' },
    { req: bill({ personId: 'GC-O', visitNo: 'GC-O-1', amount: 12_345 }), key: 'gc-o-2' }, // settled under another key
    { req: bill({ personId: 'GC-I', visitNo: 'GC-I-1' }), key: 'gc-i1' },
    { req: bill({ personId: 'GC-I', visitNo: 'GC-I-2' }), key: 'gc-i2' }, // same person: not in the same transaction
    { req: bill({ personId: 'GC-J', visitNo: 'GC-J-1' }), key: 'gc-j' },
  ];
  const results = await settleJobs(deps, jobs);
  const retry = value(results[0]!);
  t.ok(retry.replayed, 'the retry is answered from the stored settlement');
  t.equal(retry.record.id, first.record.id);
  t.equal(codeOf(results[1]!), 'UNKNOWN_PERSON');
  t.equal(codeOf(results[2]!), 'VISIT_ALREADY_SETTLED');
  t.equal((results[2] as PromiseRejectedResult).reason.details.settlementId, settled.record.id);
  const [i1, i2, j] = [value(results[3]!), value(results[4]!), value(results[5]!)];
  const tx = await txOf([i1.record.id, i2.record.id, j.record.id]);
  t.equal(tx.get(i1.record.id), tx.get(j.record.id), 'the first job of GC-I and the job of GC-J shared a transaction: the others, writing nothing, did not break it');
  t.not(tx.get(i2.record.id), tx.get(i1.record.id), 'the second job of GC-I ran in a transaction of its own');
  t.same(i2.record.settlement!.ledgerBefore, i1.record.settlement!.ledgerAfter, 'after the first one, on its ledger');
});

t.test('concurrent requests through the HTTP API are grouped while the worker is busy, and every answer is exact', async (t) => {
  const n = 30;
  for (let i = 0; i < n; i++) await addPerson(ctx.db, `GC-HTTP-${i}`, i % 3 === 0 ? ['dibao'] : []);
  const bodies = Array.from({ length: n }, (_, i) => bill({ personId: `GC-HTTP-${i}`, visitNo: `GC-HTTP-${i}`, amount: 5_000 + i * 997 }));
  const answers = await Promise.all(bodies.map((b, i) => ctx.call('POST', '/v1/settlements', { body: b, key: `gc-http-${i}` })));
  t.same(answers.map((a) => a.statusCode), Array(n).fill(201));
  const ids = answers.map((a) => a.json().id as string);
  const tx = await txOf(ids);
  const sizes = [...tx.values()].reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  t.ok(Math.max(...sizes.values()) > 1, `some requests shared a transaction (${[...sizes.values()].join(', ')})`);
  for (const [i, a] of answers.entries()) {
    const ledger = (await ctx.call('GET', `/v1/persons/GC-HTTP-${i}/ledger?year=2026`)).json().ledger;
    t.same(ledger, a.json().settlement.ledgerAfter);
  }
  // Retried all at once: every one is the stored answer.
  const again = await Promise.all(bodies.map((b, i) => ctx.call('POST', '/v1/settlements', { body: b, key: `gc-http-${i}` })));
  t.same(again.map((a) => a.statusCode), Array(n).fill(200));
  t.same(again.map((a) => a.json().id), ids);
});

t.test('every settlement made in this file replays identically', async (t) => {
  t.ok((await assertEveryReplayIdentical(t, ctx)) >= 44);
});

t.test('no transaction can begin (the database is unreachable): every job is refused at once, none retried alone', async (t) => {
  // A "database" that accepts connections and hangs up at once, counting them.
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const down = createDb({ url: `postgres://nobody@127.0.0.1:${(server.address() as net.AddressInfo).port}/none`, poolMax: 2 });
  t.teardown(() => down.destroy());
  const packs = loadBundledPacks();
  const downDeps: SettleDeps = { db: down, policies: { all: async () => packs } as unknown as PolicyStore, clock: fixedClock(TODAY), hooks: {} };
  const results = await settleJobs(downDeps, ['D-1', 'D-2', 'D-3'].map((p) => ({ req: bill({ personId: p, visitNo: p }), key: p })));
  t.same(results.map(codeOf), ['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE'], '503: nothing written, send it again');
  t.equal(connections, 1, 'one attempt for the shared transaction, no attempt per job after it');
  const alone = await settleJobs(downDeps, [{ req: bill({ personId: 'D-4', visitNo: 'D-4' }), key: 'D-4' }]);
  t.same(alone.map(codeOf), ['SERVICE_UNAVAILABLE'], 'a request alone is answered the same way');
});

t.test('a BEGIN that fails: every job is refused 503 and nothing is written, though the opening statement went out behind it', async (t) => {
  const persons = ['GC-NOBEGIN-1', 'GC-NOBEGIN-2'];
  for (const p of persons) await addPerson(ctx.db, p);
  // BEGIN is refused without reaching the server; the statements behind it go out as usual.
  let refusedBegins = 0;
  const restore = interceptQueries((_client, args, through) => {
    if (args[0] === 'BEGIN') {
      refusedBegins++;
      return Promise.reject(new Error('BEGIN refused (test)'));
    }
    return through();
  });
  let results: Array<PromiseSettledResult<SettleOutcome>>;
  try {
    results = await settleJobs(deps, persons.map((p) => ({ req: bill({ personId: p, visitNo: p }), key: p })));
  } finally {
    restore();
  }
  t.same(results.map(codeOf), ['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE'], '503: send it again');
  t.equal(refusedBegins, 1, 'the shared transaction only: its jobs are not retried alone');
  // The opening statement ran on its own: its key claims point at settlements never
  // inserted, so their deferred foreign key failed it at its own commit.
  const keys = await sql<{ key: string }>`SELECT key FROM idempotency_keys WHERE key = ANY(${persons})`.execute(ctx.db);
  t.same(keys.rows, [], 'no key claimed');
  for (const p of persons) t.same(await ledgerRows(p), [], `no ledger row for ${p}`);
  // And the service settles them once BEGIN works again.
  const again = await settleJobs(deps, persons.map((p) => ({ req: bill({ personId: p, visitNo: p }), key: p })));
  t.same(again.map((r) => r.status), ['fulfilled', 'fulfilled']);
});

t.test('a request that finds no free worker in time: 503 with Retry-After, nothing written', async (t) => {
  let unblock!: () => void;
  const blocked = new Promise<void>((resolve) => (unblock = resolve));
  let holds!: () => void;
  const holdingNow = new Promise<void>((resolve) => (holds = resolve));
  let first = true;
  const slow = await testApp(t, {
    config: { SETTLE_WORKERS: 1, SETTLE_QUEUE_TIMEOUT_MS: 100 },
    // The first settlement holds the only worker until the test lets it go.
    hooks: { afterSettlementInsert: async () => { if (first) { first = false; holds(); await blocked; } } },
  });
  await addPerson(slow.db, 'GC-SLOW-1');
  await addPerson(slow.db, 'GC-SLOW-2');
  const holding = slow.call('POST', '/v1/settlements', { body: bill({ personId: 'GC-SLOW-1', visitNo: 'SLOW-1' }), key: 'slow-1' });
  // Only once it holds the worker: sent together, the two could share its transaction
  // (group commit) and wait for the test's release together.
  await holdingNow;
  const refused = await slow.call('POST', '/v1/settlements', { body: bill({ personId: 'GC-SLOW-2', visitNo: 'SLOW-2' }), key: 'slow-2' });
  t.equal(refused.statusCode, 503);
  t.equal(refused.json().code, 'SERVICE_UNAVAILABLE');
  t.equal(refused.headers['retry-after'], '1');
  unblock();
  t.equal((await holding).statusCode, 201, 'the request holding the worker still settles');
  const keys = await sql<{ key: string }>`SELECT key FROM idempotency_keys WHERE key = 'slow-2'`.execute(slow.db);
  t.same(keys.rows, [], 'the refused request claimed nothing');
  const again = await slow.call('POST', '/v1/settlements', { body: bill({ personId: 'GC-SLOW-2', visitNo: 'SLOW-2' }), key: 'slow-2' });
  t.equal(again.statusCode, 201, 'sent again, it settles');
});

t.test('an identity import does not wait for settlements holding their persons (no lock cycle with a shared transaction)', async (t) => {
  await addPerson(ctx.db, 'GC-IMPORT');
  await ctx.db.updateTable('persons').set({ id_card: '11010519491231002X' }).where('id', '=', 'GC-IMPORT').execute();
  // What a settlement's foreign-key checks hold on its person until it commits.
  const settling = new pg.Client(ctx.url);
  await settling.connect();
  t.teardown(() => settling.end());
  await settling.query('BEGIN');
  await settling.query(`SELECT 1 FROM persons WHERE id = 'GC-IMPORT' FOR KEY SHARE`);
  const locked = await ctx.db.transaction().execute(async (trx) => {
    await sql`SET LOCAL lock_timeout = '500ms'`.execute(trx);
    return lockPersonsByIdCard(trx, ['11010519491231002X']);
  });
  t.same(locked.map((r) => r.id), ['GC-IMPORT'], 'the import locked the person at once');
  await settling.query('ROLLBACK');
});

t.test('settlement workers cannot outnumber the pool connections', async (t) => {
  t.throws(() => loadConfig({}, { DB_POOL_MAX: 4, SETTLE_WORKERS: 5 }), /SETTLE_WORKERS: 5 settlement workers need at most DB_POOL_MAX \(4\)/);
  t.equal(loadConfig({}, { DB_POOL_MAX: 4, SETTLE_WORKERS: 4 }).SETTLE_WORKERS, 4);
  t.equal(loadConfig({}).SETTLE_WORKERS, 3, 'three by default, with six connections');
  t.equal(loadConfig({}, { DB_POOL_MAX: 2 }).SETTLE_WORKERS, 2, 'no more than the pool by default');
  t.equal(loadConfig({}).SETTLE_BATCH_MAX, 8);
});
