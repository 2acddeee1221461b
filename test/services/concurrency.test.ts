import t from 'tap';
import { settle } from '../../src/domain/engine.js';
import { emptyLedger } from '../../src/domain/ledger.js';
import { billFromWire, personFromWire, settlementToWire, type BillWire, type PersonWire, type SettlementWire } from '../../src/domain/wire.js';
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
  if (firstLimit) {
    const paid = assistance.reduce((a, l) => a + Math.round(Number(l.paid) * 100), 0);
    t.ok(paid <= Math.round(Number(firstLimit) * 100), `assistance paid ${paid / 100} within its annual limit ${firstLimit}`);
    t.ok(assistance.some((l) => l.reasons.some((r) => /CAP|LIMIT/.test(r))), 'the limit was actually reached');
  }
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

t.test('every settlement made in this file replays identically', async (t) => {
  t.ok((await assertEveryReplayIdentical(t, ctx)) >= 52);
});
