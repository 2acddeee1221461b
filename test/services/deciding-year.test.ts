import t from 'tap';
import { testApp } from '../helpers/app.js';
import { bill, H, P } from '../helpers/fixtures.js';
import { fixedClock } from '../../src/services/clock.js';
import { assertEveryReplayIdentical } from '../helpers/replay.js';
import { certainYear } from '../../src/domain/select.js';

/*
 * The settle path locks the ledger of the discharge date's year in its first statement
 * (every bundled pack decides by the discharge date). A pack deciding by the settlement
 * date puts a bill discharged in December and settled in January into the new year: the
 * service must then lock, read and write that year's ledger instead.
 */
const ctx = await testApp(t, { clock: fixedClock('2027-01-03') });
const { call } = ctx;

t.test('certainYear: the policy year when every pack that could apply agrees', async (t) => {
  const discharge = [{ decidingDate: 'discharge' as const }];
  const settlement = [{ decidingDate: 'settlement' as const }];
  t.equal(certainYear([...discharge, ...settlement], '2026-06-10', '2026-06-15'), 2026, 'same year either way');
  t.equal(certainYear(discharge, '2026-12-30', '2027-01-03'), 2026);
  t.equal(certainYear(settlement, '2026-12-30', '2027-01-03'), 2027);
  t.equal(certainYear([...discharge, ...settlement], '2026-12-30', '2027-01-03'), null, 'mixed packs across a year end: known once the pack is');
});

t.test('bundled packs decide by the discharge date: December discharge settled in January is a 2026 settlement', async (t) => {
  const r = await call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, admissionDate: '2026-12-20', dischargeDate: '2026-12-30' }), key: 'k-dec' });
  t.equal(r.statusCode, 201, r.body);
  t.equal(r.json().settlement.policyYear, 2026);
  t.equal((await call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json().ledger.inpatientAdmissions, 1);
  t.equal((await call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2027`)).json().exists, false);
});

t.test('a pack deciding by the settlement date settles into the settlement date\'s year', async (t) => {
  const wenzhou = (await call('GET', '/v1/policies/wenzhou-2019')).json().pack;
  const added = await call('POST', '/v1/policies', { body: { ...wenzhou, id: 'wenzhou-by-settlement', version: 'by-settlement', effectiveFrom: '2026-12-01', decidingDate: 'settlement' } });
  t.equal(added.statusCode, 201, added.body);

  const emptyLedger2026 = (await call('GET', `/v1/persons/${P.ORD}/ledger?year=2026`)).json();
  const r = await call('POST', '/v1/settlements', { body: bill({ personId: P.ORD, admissionDate: '2026-12-20', dischargeDate: '2026-12-30' }), key: 'k-year' });
  t.equal(r.statusCode, 201, r.body);
  const rec = r.json();
  t.equal(rec.policyVersionId, 'wenzhou-by-settlement');
  t.equal(rec.settlement.policyYear, 2027);
  t.equal(rec.settlement.decidingDate, '2027-01-03');

  const ledger2027 = (await call('GET', `/v1/persons/${P.ORD}/ledger?year=2027`)).json();
  t.same(ledger2027.ledger, rec.settlement.ledgerAfter, 'the 2027 ledger carries the settlement');
  t.equal(ledger2027.ledger.inpatientAdmissions, 1);
  t.same((await call('GET', `/v1/persons/${P.ORD}/ledger?year=2026`)).json(), emptyLedger2026, 'no 2026 ledger row appears');
  t.equal(emptyLedger2026.exists, false);

  // A second one sees the first in the 2027 ledger: the row locked was the one written.
  const second = (await call('POST', '/v1/settlements', { body: bill({ personId: P.ORD, admissionDate: '2026-12-21', dischargeDate: '2026-12-31' }), key: 'k-year-2' })).json();
  t.same(second.settlement.ledgerBefore, rec.settlement.ledgerAfter);
  t.equal((await call('GET', `/v1/persons/${P.ORD}/ledger?year=2027`)).json().ledger.inpatientAdmissions, 2);

  // A retry of the first answers the stored settlement.
  const again = await call('POST', '/v1/settlements', { body: bill({ personId: P.ORD, admissionDate: '2026-12-20', dischargeDate: '2026-12-30', visitNo: rec.visitNo }), key: 'k-year' });
  t.equal(again.statusCode, 200);
  t.equal(again.json().id, rec.id);
  t.equal(H.WZ2, rec.hospitalCode);
});

t.test('every settlement made in this file replays identically', async (t) => {
  await assertEveryReplayIdentical(t, ctx);
});
