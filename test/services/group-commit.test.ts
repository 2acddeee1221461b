import t from 'tap';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { fixedClock } from '../../src/services/clock.js';
import { PolicyStore } from '../../src/services/policies.js';
import { settleJobs, type SettleDeps, type SettleJob, type SettleOutcome } from '../../src/services/settle.js';
import { AppError } from '../../src/http/errors.js';
import { testApp } from '../helpers/app.js';
import { addPerson, bill, H, TODAY } from '../helpers/fixtures.js';
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

t.test('a refused job in a batch: the batch rolls back and every job runs alone, answering as it would alone', async (t) => {
  await addPerson(ctx.db, 'GC-E');
  await addPerson(ctx.db, 'GC-F');
  await addPerson(ctx.db, 'GC-G');
  const settled = value((await settleJobs(deps, [{ req: bill({ personId: 'GC-E', visitNo: 'GC-DUP' }), key: 'gc-dup-1' }]))[0]!);
  const jobs: SettleJob[] = [
    { req: bill({ personId: 'GC-F', visitNo: 'GC-F-1' }), key: 'gc-f' },
    // The visit is settled already: a new key cannot settle it again.
    { req: bill({ personId: 'GC-E', visitNo: 'GC-DUP' }), key: 'gc-dup-2' },
    // A hospital whose designation ended: refused by the registry after its claim.
    { req: bill({ personId: 'GC-G', visitNo: 'GC-OLD', hospitalCode: H.OLD }), key: 'gc-old' },
    { req: bill({ personId: 'GC-G', visitNo: 'GC-G-1' }), key: 'gc-g' },
  ];
  const results = await settleJobs(deps, jobs);
  t.equal(codeOf(results[1]!), 'VISIT_ALREADY_SETTLED');
  t.same((results[1] as PromiseRejectedResult).reason.details.settlementId, settled.record.id, 'naming the settlement that holds the visit');
  t.equal(codeOf(results[2]!), 'HOSPITAL_NOT_DESIGNATED');
  const f = value(results[0]!);
  const g = value(results[3]!);
  const tx = await txOf([f.record.id, g.record.id]);
  t.not(tx.get(f.record.id), tx.get(g.record.id), 'the good jobs committed alone, after the shared transaction rolled back');
  const claims = await sql<{ key: string }>`SELECT key FROM idempotency_keys WHERE key IN ('gc-dup-2', 'gc-old') ORDER BY key`.execute(ctx.db);
  t.same(claims.rows, [], 'nothing of the refused jobs stays, not even their key claims');
  t.equal((await ctx.call('GET', '/v1/persons/GC-E/ledger?year=2026')).json().ledger.inpatientAdmissions, 1, 'the refused duplicate left the ledger alone');
});

t.test('a key already answered, an unknown person and a second job of one person, in one batch', async (t) => {
  for (const p of ['GC-H', 'GC-I', 'GC-J']) await addPerson(ctx.db, p);
  const first = value((await settleJobs(deps, [{ req: bill({ personId: 'GC-H', visitNo: 'GC-H-1' }), key: 'gc-h' }]))[0]!);
  const jobs: SettleJob[] = [
    { req: bill({ personId: 'GC-H', visitNo: 'GC-H-1' }), key: 'gc-h' }, // a retry: the stored answer
    { req: bill({ personId: 'NOBODY', visitNo: 'GC-X' }), key: 'gc-x' },
    { req: bill({ personId: 'GC-I', visitNo: 'GC-I-1' }), key: 'gc-i1' },
    { req: bill({ personId: 'GC-I', visitNo: 'GC-I-2' }), key: 'gc-i2' }, // same person: not in the same transaction
    { req: bill({ personId: 'GC-J', visitNo: 'GC-J-1' }), key: 'gc-j' },
  ];
  const results = await settleJobs(deps, jobs);
  const retry = value(results[0]!);
  t.ok(retry.replayed, 'the retry is answered from the stored settlement');
  t.equal(retry.record.id, first.record.id);
  t.equal(codeOf(results[1]!), 'UNKNOWN_PERSON');
  const [i1, i2, j] = [value(results[2]!), value(results[3]!), value(results[4]!)];
  const tx = await txOf([i1.record.id, i2.record.id, j.record.id]);
  t.equal(tx.get(i1.record.id), tx.get(j.record.id), 'the first job of GC-I and the job of GC-J shared a transaction (the others needed none)');
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
  t.ok((await assertEveryReplayIdentical(t, ctx)) >= 41);
});

t.test('settlement workers cannot outnumber the pool connections', async (t) => {
  t.throws(() => loadConfig({}, { DB_POOL_MAX: 4, SETTLE_WORKERS: 5 }), /SETTLE_WORKERS: 5 settlement workers need at most DB_POOL_MAX \(4\)/);
  t.equal(loadConfig({}, { DB_POOL_MAX: 4, SETTLE_WORKERS: 4 }).SETTLE_WORKERS, 4);
  t.equal(loadConfig({}).SETTLE_WORKERS, 3, 'three by default, with six connections');
  t.equal(loadConfig({}).SETTLE_BATCH_MAX, 8);
});
