import t, { type Test } from 'tap';
import { settle } from '../../src/domain/engine.js';
import { emptyLedger, ledgersEqual } from '../../src/domain/ledger.js';
import { billFromWire, ledgerFromWire, ledgerToWire, personFromWire, settlementToWire, type BillWire, type PersonWire, type SettlementWire } from '../../src/domain/wire.js';
import { PolicyStore } from '../../src/services/policies.js';
import { testApp } from '../helpers/app.js';
import { addPerson, bill } from '../helpers/fixtures.js';
import { assertEveryReplayIdentical } from '../helpers/replay.js';

const ctx = await testApp(t, { poolMax: 8 });

t.test('50 concurrent settlements of one person equal settling them one by one in commit order', async (t) => {
  await addPerson(ctx.db, 'P-CONC', ['dibao']);
  // Large bills so the yearly caps (critical illness, 80,000 assistance) are crossed part-way.
  const bills = Array.from({ length: 50 }, (_, i) => bill({ personId: 'P-CONC', visitNo: `C-${i}`, amount: 20_000 + i * 1_234.56 }));
  const answers = await Promise.all(bills.map((b, i) => ctx.call('POST', '/v1/settlements', { body: b, key: `k-conc-${i}` })));
  t.same(answers.map((a) => a.statusCode), Array(50).fill(201));

  // Commit order = insert order: the row is inserted while the ledger lock is held until commit.
  const rows = await ctx.db
    .selectFrom('settlements as s')
    .innerJoin('settlement_inputs as i', 'i.settlement_id', 's.id')
    .select(['s.id', 's.result', 'i.bill', 'i.person', 'i.policy_version_id', 'i.settlement_date'])
    .where('s.person_id', '=', 'P-CONC')
    .orderBy('s.created_at')
    .execute();
  t.equal(rows.length, 50);

  const policies = new PolicyStore(ctx.db);
  let ledger = emptyLedger(2026);
  for (const row of rows) {
    const policy = (await policies.get(row.policy_version_id))!;
    const s = settle({ bill: billFromWire(row.bill as BillWire), person: personFromWire(row.person as PersonWire), ledger, policy, settlementDate: row.settlement_date });
    t.same(row.result, settlementToWire(s), `settlement ${row.id} equals the sequential computation`);
    ledger = s.ledgerAfter;
  }
  const stored = (await ctx.call('GET', '/v1/persons/P-CONC/ledger?year=2026')).json().ledger;
  t.same(stored, (rows.at(-1)!.result as SettlementWire).ledgerAfter, 'the final ledger is the last settlement’s ledger after');
  t.same(stored, settlementToWire({ ...settle({ bill: billFromWire(rows[0]!.bill as BillWire), person: personFromWire(rows[0]!.person as PersonWire), ledger: emptyLedger(2026), policy: (await policies.get('wenzhou-2019'))!, settlementDate: '2026-06-15' }), ledgerAfter: ledger }).ledgerAfter, 'and equals the sequential ledger');

  // Caps: every layer's limit never went negative, and what a capped fund paid in total stays within it.
  for (const row of rows) {
    for (const l of (row.result as SettlementWire).layers) {
      if (l.limitAfter !== null) t.ok(Number(l.limitAfter) >= 0, `${l.layer} limit stays non-negative`);
    }
  }
  const assistance = rows.flatMap((r) => (r.result as SettlementWire).layers.filter((l) => l.layer === 'assistance'));
  const firstLimit = assistance.find((l) => l.limitBefore !== null)?.limitBefore;
  t.ok(firstLimit, 'assistance has an annual limit (else the cap checks below would prove nothing)');
  const paid = assistance.reduce((a, l) => a + Math.round(Number(l.paid) * 100), 0);
  t.ok(paid <= Math.round(Number(firstLimit) * 100), `assistance paid ${paid / 100} within its annual limit ${firstLimit}`);
  t.ok(assistance.some((l) => l.reasons.some((r) => /CAP|LIMIT/.test(r))), 'the limit was actually reached');
});

t.test('50 concurrent retries of one key produce exactly one settlement', async (t) => {
  await addPerson(ctx.db, 'P-RETRY');
  const b = bill({ personId: 'P-RETRY', visitNo: 'R-1' });
  const answers = await Promise.all(Array.from({ length: 50 }, () => ctx.call('POST', '/v1/settlements', { body: b, key: 'k-retry' })));
  const ids = new Set(answers.map((a) => a.json().id));
  t.equal(ids.size, 1, 'every answer names the same settlement');
  t.same(answers.map((a) => a.statusCode).sort(), [...Array(49).fill(200), 201], 'one created, 49 replays');
  const n = await ctx.db.selectFrom('settlements').select((eb) => eb.fn.countAll().as('n')).where('person_id', '=', 'P-RETRY').executeTakeFirstOrThrow();
  t.equal(Number(n.n), 1);
  t.equal((await ctx.call('GET', '/v1/persons/P-RETRY/ledger?year=2026')).json().ledger.inpatientAdmissions, 1);
});

t.test('concurrent reversals of one settlement: exactly one wins', async (t) => {
  await addPerson(ctx.db, 'P-REV');
  const s = (await ctx.call('POST', '/v1/settlements', { body: bill({ personId: 'P-REV' }), key: 'k-rev-conc' })).json();
  const answers = await Promise.all(Array.from({ length: 10 }, () => ctx.call('POST', `/v1/settlements/${s.id}/reversal`, { body: { reason: 'dup' } })));
  t.same(answers.map((a) => a.statusCode).sort(), [201, ...Array(9).fill(409)]);
  t.same((await ctx.call('GET', '/v1/persons/P-REV/ledger?year=2026')).json().ledger, s.settlement.ledgerBefore);
});

type Ledger = SettlementWire['ledgerAfter'];
interface Rec { id: string; kind: 'settlement' | 'reversal'; status: string; settlement: SettlementWire | null; reversal: { ledgerBefore: Ledger; ledgerAfter: Ledger } | null }

/** Every settlement and reversal of a person, as the API answers them. */
async function recordsOf(personId: string): Promise<Rec[]> {
  const ids = await ctx.db.selectFrom('settlements').select('id').where('person_id', '=', personId).execute();
  return Promise.all(ids.map(async ({ id }) => (await ctx.call('GET', `/v1/settlements/${id}`)).json() as Rec));
}

/** Σ of ledger deltas (money in cents, counts as integers) over an empty ledger of `year`. */
function sumOfDeltas(year: number, deltas: Ledger[]): Ledger {
  const sum = JSON.parse(JSON.stringify(ledgerToWire(emptyLedger(year)))) as Record<string, unknown>;
  const add = (a: string, b: string) => ((Math.round(Number(a) * 100) + Math.round(Number(b) * 100)) / 100).toFixed(2);
  for (const d of deltas) {
    for (const [k, v] of Object.entries(d)) {
      if (k === 'year') continue;
      if (typeof v === 'number') sum[k] = (sum[k] as number) + v;
      else if (typeof v === 'string') sum[k] = add((sum[k] as string | undefined) ?? '0', v);
      else for (const [f, x] of Object.entries(v as Record<string, string>)) (sum[k] as Record<string, string>)[f] = add((sum[k] as Record<string, string>)[f] ?? '0', x);
    }
  }
  return sum as Ledger;
}

/**
 * The records of one ledger year form one chain from the empty ledger: each one's ledger
 * before is the previous one's ledger after (that is what serialising on the ledger row
 * means), in some order; answers that order, or fails.
 */
function chain(t: Test, year: number, recs: Rec[]): Rec[] {
  const edge = (r: Rec) => (r.settlement ? { before: r.settlement.ledgerBefore, after: r.settlement.ledgerAfter } : { before: r.reversal!.ledgerBefore, after: r.reversal!.ledgerAfter });
  // Key order is not part of a ledger (jsonb reorders keys): compare canonical forms.
  const canon = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
  // Depth-first: a reversal of the newest settlement returns the ledger to an earlier
  // state, so two records may start from the same ledger; the chain is the order that
  // uses every record.
  const walk = (running: string, left: Rec[]): Rec[] | null => {
    if (left.length === 0) return [];
    for (const [i, r] of left.entries()) {
      if (canon(edge(r).before) !== running) continue;
      const rest = walk(canon(edge(r).after), [...left.slice(0, i), ...left.slice(i + 1)]);
      if (rest) return [r, ...rest];
    }
    return null;
  };
  const order = walk(canon(ledgerToWire(emptyLedger(year))), recs);
  if (!order) {
    t.fail(`the ${recs.length} records do not form one chain of ledgers`);
    return [];
  }
  return order;
}

t.test('a reversal concurrent with new settlements of the same person: it goes through only while it is the newest; the ledger is the sum of what stays settled', async (t) => {
  await addPerson(ctx.db, 'P-RC', ['dibao']);
  const first: Array<{ id: string }> = [];
  for (let i = 0; i < 3; i++) first.push((await ctx.call('POST', '/v1/settlements', { body: bill({ personId: 'P-RC', visitNo: `RC-${i}`, amount: 30_000 + i * 1_000 }), key: `k-rc-${i}` })).json());
  const [reversal, ...settled] = await Promise.all([
    ctx.call('POST', `/v1/settlements/${first[2]!.id}/reversal`, { body: { reason: 'concurrent' } }),
    ...[3, 4, 5].map((i) => ctx.call('POST', '/v1/settlements', { body: bill({ personId: 'P-RC', visitNo: `RC-${i}`, amount: 40_000 + i * 1_000 }), key: `k-rc-${i}` })),
  ]);
  t.same(settled.map((a) => a.statusCode), [201, 201, 201]);
  // Before any of the new ones it is the newest (201); after one of them it is not (409, nothing written).
  t.ok(reversal!.statusCode === 201 || reversal!.json().code === 'NOT_LATEST_SETTLEMENT', `reversal answered ${reversal!.statusCode} ${reversal!.json().code ?? ''}`);
  const reversed = reversal!.statusCode === 201;

  const recs = await recordsOf('P-RC');
  t.equal(recs.length, reversed ? 7 : 6, reversed ? 'six settlements and one reversal' : 'six settlements');
  t.equal(chain(t, 2026, recs).length, recs.length, 'all form one serial chain of ledgers');
  const active = recs.filter((r) => r.kind === 'settlement' && r.status === 'active');
  t.equal(active.length, reversed ? 5 : 6);
  const stored = (await ctx.call('GET', '/v1/persons/P-RC/ledger?year=2026')).json().ledger;
  t.same(stored, sumOfDeltas(2026, active.map((r) => r.settlement!.ledgerDelta)), 'ledger = Σ deltas of the settlements not reversed');

  // Unwound newest first, every reversal goes through and the year's ledger ends empty.
  const newestFirst = chain(t, 2026, recs).filter((r) => r.kind === 'settlement' && r.status === 'active').reverse();
  const oldest = newestFirst.at(-1)!;
  t.equal((await ctx.call('POST', `/v1/settlements/${oldest.id}/reversal`, { body: { reason: 'not yet' } })).json().code, 'NOT_LATEST_SETTLEMENT');
  for (const r of newestFirst) t.equal((await ctx.call('POST', `/v1/settlements/${r.id}/reversal`, { body: { reason: 'unwind' } })).statusCode, 201, `reverse ${r.id}`);
  const left = ledgerFromWire((await ctx.call('GET', '/v1/persons/P-RC/ledger?year=2026')).json().ledger);
  t.ok(ledgersEqual(left, emptyLedger(2026)), 'nothing left (a fund that paid keeps its key at 0.00)');
});

t.test('one person settled concurrently in two policy years keeps two independent, exact ledgers', async (t) => {
  await addPerson(ctx.db, 'P-YEARS', ['dibao']);
  const in2025 = (i: number) => bill({ personId: 'P-YEARS', visitNo: `Y5-${i}`, admissionDate: '2025-03-01', dischargeDate: '2025-03-10', amount: 25_000 + i * 777 });
  const in2026 = (i: number) => bill({ personId: 'P-YEARS', visitNo: `Y6-${i}`, amount: 25_000 + i * 999 });
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ctx.call('POST', '/v1/settlements', { body: i % 2 ? in2026(i) : in2025(i), key: `k-years-${i}` })));
  t.same(answers.map((a) => a.statusCode), Array(10).fill(201));

  const recs = await recordsOf('P-YEARS');
  for (const year of [2025, 2026]) {
    const mine = recs.filter((r) => r.settlement!.ledgerAfter.year === year);
    t.equal(mine.length, 5, `five settlements in ${year}`);
    t.equal(chain(t, year, mine).length, 5, `the ${year} settlements form one chain of their own`);
    const stored = (await ctx.call('GET', `/v1/persons/P-YEARS/ledger?year=${year}`)).json().ledger;
    t.equal(stored.inpatientAdmissions, 5);
    t.same(stored, sumOfDeltas(year, mine.map((r) => r.settlement!.ledgerDelta)), `the ${year} ledger is exactly the sum of its own settlements`);
  }
});

t.test('every settlement made in this file replays identically', async (t) => {
  t.ok((await assertEveryReplayIdentical(t, ctx)) >= 68);
});
