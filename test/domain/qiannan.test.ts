import t from 'tap';
import { bill, ident, ledger, paid, reasons, run } from './fixtures/build.js';

/* Hand-computed from 黔南医保发〔2021〕26号 (002) and the pack's assumed basic terms (level 2: 500 at 70%, level 3: 1000 at 60%). */
const P = 'qiannan-2021';

t.test('an extreme-poverty inpatient pays nothing in scope: basic, tilted CI (3500 at 65%), assistance 100%', async (t) => {
  const s = run({ pack: P, bill: bill('30000.00'), identities: [ident('tekun')] });
  t.equal(paid(s, 'basic'), '20650.00'); // (30000 − 500) × 70%
  t.equal(paid(s, 'critical_illness'), '3802.50'); // (9350 − 3500) × 65%
  t.equal(paid(s, 'assistance'), '5547.50');
  t.equal(paid(s, 'tilt'), '0.00');
  t.same(reasons(s, 'tilt'), ['REFERRAL_REQUIRED']);
  t.equal(s.patientShare.toFixed(2), '0.00');
  t.equal(s.identity.used, 'tekun');
  t.equal(s.identity.considered.find((c) => c.category === null)?.patientShare.toFixed(2), '7940.00');
});

t.test('an ordinary patient at level 3 gets basic 60% and CI 60% above 7000', async (t) => {
  const s = run({ pack: P, bill: bill('100000.00', { level: 3 }) });
  t.equal(paid(s, 'basic'), '59400.00');
  t.equal(paid(s, 'critical_illness'), '20160.00'); // (40600 − 7000) × 60%
  t.equal(paid(s, 'assistance'), '0.00');
  t.same(reasons(s, 'assistance'), ['CATEGORY_NOT_ELIGIBLE']);
  t.equal(s.patientShare.toFixed(2), '20440.00');
});

t.test('the CI cap of 250,000 crossed part-way pays exactly the remainder', async (t) => {
  const s = run({ pack: P, bill: bill('100000.00', { level: 3 }), ledger: ledger(2022, { ciPaid: '249000.00', ciBase: '500000.00', ciDeductibleConsumed: '7000.00' }) });
  t.equal(paid(s, 'critical_illness'), '1000.00');
  t.ok(reasons(s, 'critical_illness').includes('CAP_REACHED'));
  t.equal(s.ledgerAfter.ciPaid.toFixed(2), '250000.00');
  t.equal(s.patientShare.toFixed(2), '39600.00');
});

t.test('a referred low-income patient’s deductible falls 25% per admission, never below 50%', async (t) => {
  const expect: Array<[number, string, string]> = [
    [0, '500.00', '6650.00'],
    [1, '375.00', '6737.50'],
    [2, '250.00', '6825.00'],
    [5, '250.00', '6825.00'],
  ];
  for (const [before, deductible, basic] of expect) {
    const s = run({ pack: P, bill: bill('10000.00', { referral: true }), identities: [ident('dibao')], ledger: ledger(2022, { inpatientAdmissions: before }) });
    t.equal(s.layers[0]!.deductibleApplied.toFixed(2), deductible, `admission ${before + 1}`);
    t.equal(paid(s, 'basic'), basic);
  }
  const third = run({ pack: P, bill: bill('10000.00', { referral: true }), identities: [ident('dibao')], ledger: ledger(2022, { inpatientAdmissions: 2 }) });
  t.equal(paid(third, 'critical_illness'), '0.00'); // 3175 below the halved 3500
  t.ok(reasons(third, 'critical_illness').includes('BELOW_DEDUCTIBLE'));
  t.equal(paid(third, 'assistance'), '2222.50'); // 3175 × 70%
  t.equal(third.patientShare.toFixed(2), '952.50');
  const unreferred = run({ pack: P, bill: bill('10000.00'), identities: [ident('dibao')], ledger: ledger(2022, { inpatientAdmissions: 2 }) });
  t.equal(unreferred.layers[0]!.deductibleApplied.toFixed(2), '500.00', 'no cut without a referral');
});

t.test('tilted assistance pays 70% of only what lies above the assistance limit, for referred patients', async (t) => {
  const s = run({ pack: P, bill: bill('50000.00', { level: 3, referral: true }), identities: [ident('tekun')], ledger: ledger(2022, { assistancePaid: '45000.00' }) });
  t.equal(paid(s, 'basic'), '29400.00');
  t.equal(paid(s, 'critical_illness'), '11115.00'); // (20600 − 3500) × 65%
  t.equal(paid(s, 'assistance'), '5000.00');
  t.ok(reasons(s, 'assistance').includes('CAP_REACHED'));
  t.equal(s.layers.find((l) => l.layer === 'tilt')!.base.toFixed(2), '4485.00');
  t.equal(paid(s, 'tilt'), '3139.50');
  t.equal(s.patientShare.toFixed(2), '1345.50');
  t.equal(s.ledgerAfter.tiltPaid.toFixed(2), '3139.50');
});

t.test('chronic-outpatient settlements share the assistance limit with inpatient ones', async (t) => {
  const s = run({ pack: P, bill: bill('2000.00', { level: 1, visitType: 'chronic_outpatient' }), identities: [ident('tekun')], ledger: ledger(2022, { assistancePaid: '49500.00' }) });
  t.equal(paid(s, 'basic'), '1200.00');
  t.same(reasons(s, 'critical_illness'), ['NOT_FOR_VISIT_TYPE']);
  t.equal(paid(s, 'assistance'), '500.00');
  t.equal(s.patientShare.toFixed(2), '300.00');
  t.equal(s.ledgerAfter.inpatientAdmissions, 0);
});

t.test('stable-exit people are settled as ordinary; several identities settle once under the best', async (t) => {
  const exit = run({ pack: P, bill: bill('30000.00'), identities: [ident('wending')] });
  t.equal(exit.identity.used, null);
  t.same(exit.identity.ignored, [{ category: 'wending', reason: 'ORDINARY_TREATMENT' }]);
  t.equal(exit.patientShare.toFixed(2), '7940.00');
  const multi = run({ pack: P, bill: bill('30000.00'), identities: [ident('tufa'), ident('dibao'), ident('tekun', '2023-01-01')] });
  t.equal(multi.identity.used, 'dibao');
  t.same(multi.identity.considered.map((c) => c.category), ['dibao', 'tufa', null]);
  t.same(multi.identity.ignored, [{ category: 'tekun', reason: 'NOT_VALID_ON_DATE' }]);
  t.equal(paid(multi, 'assistance'), '3883.25'); // (9350 − 3802.50) × 70%
});

t.test('a tilt base that is not whole cents (assistance limit ÷ 70%) pays whole cents and never throws', async (t) => {
  // Only the clamp changed: a base's fraction of a cent never reaches a payment. The base
  // itself is left as it was, so no settlement that used to succeed pays a cent differently.
  // 50,000 of assistance at 70% covers 71,428.571428…: a base of 71,428.58 leaves
  // 0.008571… above it, which 70% HALF_UP would round to 0.01, above that base.
  const s = run({ pack: P, bill: bill('447581.65', { level: 3, referral: true }), identities: [ident('dibao')] });
  t.equal(paid(s, 'assistance'), '50000.00');
  t.equal(paid(s, 'tilt'), '0.00', 'the payment is clamped to the base’s whole cents (0.00), not to 0.008571…');
  const small = run({ pack: P, bill: bill('447581.65', { level: 3, referral: true }), identities: [ident('dibao')], ledger: ledger(2022, { assistancePaid: '49999.95' }) });
  for (const l of small.layers) t.equal(l.paid.decimalPlaces() <= 2, true, `${l.layer} pays whole cents`);
});
