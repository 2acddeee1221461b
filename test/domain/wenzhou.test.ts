import t from 'tap';
import { bill, ident, ledger, paid, reasons, run } from './fixtures/build.js';

/* Hand-computed from 温医保发〔2019〕13号 (001): CI deductible 50% × 51,490 = 25,745 (poor: 12,872.50), 60% (+5 points). */
const P = 'wenzhou-2019';

t.test('an ordinary patient: CI above 25,745 at 60%, and the large-expense warning fires', async (t) => {
  const s = run({ pack: P, bill: bill('100000.00', { discharge: '2020-06-01' }) });
  t.equal(paid(s, 'basic'), '69580.00');
  t.equal(paid(s, 'critical_illness'), '2805.00');
  t.equal(s.patientShare.toFixed(2), '27615.00');
  t.same(s.warnings.map((w) => w.code), ['LARGE_EXPENSE', 'STALE_INCOME_BASE']);
});

t.test('a 低保 member in 2020: tilted CI, supplementary insurance before assistance, assistance 70%', async (t) => {
  const s = run({ pack: P, bill: bill('100000.00', { discharge: '2020-06-01' }), identities: [ident('dibao')] });
  t.equal(paid(s, 'critical_illness'), '11405.88'); // 17547.50 × 65% = 11405.875, HALF_UP
  t.equal(paid(s, 'wz_low_income_supp'), '9507.06');
  t.equal(s.layers.find((l) => l.layer === 'wz_low_income_supp')!.fundCode, '620100');
  t.equal(paid(s, 'assistance'), '6654.94');
  t.equal(s.patientShare.toFixed(2), '2852.12');
  t.same(s.layers.map((l) => l.layer), ['basic', 'critical_illness', 'wz_low_income_supp', 'assistance']);
});

t.test('before 2020 the supplementary insurance is not yet in the one-stop settlement', async (t) => {
  const s = run({ pack: P, bill: bill('100000.00', { discharge: '2019-12-15' }), identities: [ident('dibao')] });
  t.same(reasons(s, 'wz_low_income_supp'), ['NOT_YET_IN_FORCE']);
  t.equal(paid(s, 'assistance'), '13309.88');
  t.equal(s.patientShare.toFixed(2), '5704.24');
});

t.test('因病致贫: assistance deductible 5,000 and segmented ratios 50% / 55% above 20,000', async (t) => {
  const s = run({ pack: P, bill: bill('200000.00', { level: 3, discharge: '2020-06-01' }), identities: [ident('yinbing')] });
  t.equal(paid(s, 'basic'), '126900.00'); // 49000 × 60% + 150000 × 65%
  t.equal(paid(s, 'critical_illness'), '39147.88');
  t.equal(s.layers.find((l) => l.layer === 'assistance')!.deductibleApplied.toFixed(2), '5000.00');
  t.equal(paid(s, 'assistance'), '14923.67'); // 20000 × 50% + 8952.12 × 55%
  t.equal(s.patientShare.toFixed(2), '19028.45');
  t.equal(s.ledgerAfter.assistanceDeductibleConsumed.toFixed(2), '5000.00');
});

t.test('the second admission of the year halves the basic deductible', async (t) => {
  const s = run({ pack: P, bill: bill('1000.00', { discharge: '2020-06-01' }), ledger: ledger(2020, { inpatientAdmissions: 1 }) });
  t.equal(s.layers[0]!.deductibleApplied.toFixed(2), '300.00');
  t.equal(paid(s, 'basic'), '490.00');
  t.equal(s.patientShare.toFixed(2), '510.00');
});

t.test('a newly granted identity takes effect from the next month', async (t) => {
  const early = run({ pack: P, bill: bill('100000.00', { discharge: '2020-03-20' }), identities: [ident('dibao', '2020-03-15')] });
  t.same(early.identity.ignored, [{ category: 'dibao', reason: 'NOT_VALID_ON_DATE' }]);
  const later = run({ pack: P, bill: bill('100000.00', { discharge: '2020-04-01' }), identities: [ident('dibao', '2020-03-15')] });
  t.equal(later.identity.used, 'dibao');
});

t.test('registered poor keep an uncapped CI; other poor stop at the cap', async (t) => {
  const l = () => ledger(2020, { ciPaid: '299000.00', ciBase: '600000.00', ciDeductibleConsumed: '12872.50' });
  const capped = run({ pack: P, bill: bill('100000.00', { discharge: '2020-06-01' }), identities: [ident('tekun')], ledger: l(), as: 'tekun' });
  t.equal(paid(capped, 'critical_illness'), '1000.00');
  const open = run({ pack: P, bill: bill('100000.00', { discharge: '2020-06-01' }), identities: [ident('jiandang')], ledger: l(), as: 'jiandang' });
  t.equal(paid(open, 'critical_illness'), '19773.00'); // 30420 × 65%
  t.equal(open.layers[1]!.limitBefore, null);
});

t.test('a registry correction does not interrupt a continuing 低保 recognition (次月生效 is for new people only)', async (t) => {
  const at = (discharge: string, identities: ReturnType<typeof ident>[]) => run({ pack: P, bill: bill('100000.00', { discharge }), identities });
  const touching = [ident('dibao', '2019-01-01', '2020-05-14'), ident('dibao', '2020-05-15')];
  t.equal(at('2020-05-20', touching).identity.used, 'dibao', 'new window the day after the old one ends: no gap');
  t.equal(at('2020-05-15', touching).identity.used, 'dibao', 'valid on the correction day itself');
  const overlapping = [ident('dibao', '2019-01-01', '2020-05-20'), ident('dibao', '2020-05-10')];
  t.equal(at('2020-05-25', overlapping).identity.used, 'dibao', 'overlapping windows: no gap');
  const reversedOrder = [ident('dibao', '2020-05-15'), ident('dibao', '2019-01-01', '2020-05-14')];
  t.equal(at('2020-05-20', reversedOrder).identity.used, 'dibao', 'order of the identities does not matter');
});

t.test('a recognition after a gap, or a corrected window of a new person, still waits for the next month', async (t) => {
  const at = (discharge: string, identities: ReturnType<typeof ident>[]) => run({ pack: P, bill: bill('100000.00', { discharge }), identities });
  const gap = [ident('dibao', '2019-01-01', '2020-03-31'), ident('dibao', '2020-05-15')];
  t.equal(at('2020-05-20', gap).identity.used, null, 'a month without recognition: the new window starts on 2020-06-01');
  t.equal(at('2020-06-01', gap).identity.used, 'dibao');
  const otherCategory = [ident('dibian', '2019-01-01', '2020-05-14'), ident('dibao', '2020-05-15')];
  t.not(at('2020-05-20', otherCategory).identity.used, 'dibao', 'a window of another category is not continued');
  const newThenCorrected = [ident('dibao', '2020-03-15', '2020-03-20'), ident('dibao', '2020-03-21')];
  t.equal(at('2020-03-25', newThenCorrected).identity.used, null, 'the chain of a new person starts next month');
  t.equal(at('2020-04-01', newThenCorrected).identity.used, 'dibao');
});

t.test('分段救助 reads the bands on the year’s running assistance base, not per settlement', async (t) => {
  const first = run({ pack: P, bill: bill('100000.00', { discharge: '2020-06-01' }), identities: [ident('dibao')] });
  t.equal(first.ledgerAfter.assistanceBase.toFixed(2), '9507.06', 'the net assistance base is accumulated');
  // 15,000 already this year: 5,000 × 70% + 4,507.06 × 75% = 6,880.295 → 6,880.30.
  const later = run({ pack: P, bill: bill('100000.00', { discharge: '2020-06-01' }), identities: [ident('dibao')], ledger: ledger(2020, { assistanceBase: '15000.00' }) });
  t.equal(paid(later, 'assistance'), '6880.30');
  t.same(later.layers.find((l) => l.layer === 'assistance')!.bands.map((b) => [b.from.toFixed(2), b.amount.toFixed(2)]), [['0.00', '5000.00'], ['20000.00', '4507.06']]);
  t.equal(later.ledgerAfter.assistanceBase.toFixed(2), '24507.06');
  const above = run({ pack: P, bill: bill('100000.00', { discharge: '2020-06-01' }), identities: [ident('dibao')], ledger: ledger(2020, { assistanceBase: '30000.00' }) });
  t.equal(paid(above, 'assistance'), '7130.30', 'all above 20,000: 9,507.06 × 75% = 7,130.295 → 7,130.30');
});

t.test('the CI deductible stands on 2018 income: settlements of 2020 on say so (STALE_INCOME_BASE), 2019 ones do not', async (t) => {
  const y2019 = run({ pack: P, bill: bill('100000.00', { discharge: '2019-12-15' }) });
  t.notOk(y2019.warnings.some((w) => w.code === 'STALE_INCOME_BASE'), '2019 is paid on 2018 income, as the notice asks');
  const y2021 = run({ pack: P, bill: bill('100000.00', { discharge: '2021-03-01' }) });
  const w = y2021.warnings.find((x) => x.code === 'STALE_INCOME_BASE');
  t.same(w?.details, { incomeYear: '2018', policyYear: '2021', incomePrevYear: '51490.00' });
  t.match(w?.message, /2018年.*51490\.00元.*2021年度应按2020年数据/);
  const ci = y2021.layers.find((l) => l.layer === 'critical_illness');
  t.equal(ci?.deductibleApplied?.toFixed(2), y2019.layers.find((l) => l.layer === 'critical_illness')?.deductibleApplied?.toFixed(2), 'the money is unchanged: a warning, not a new figure');
});
