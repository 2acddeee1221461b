import t from 'tap';
import { selectPolicy } from '../../src/domain/select.js';
import { PACKS, bill, ident, ledger, line, paid, reasons, run } from './fixtures/build.js';

/* Hebei 冀医保发〔2018〕2号 (000) and Shenyang 沈医保发〔2020〕1号 (004), with the packs' assumed general terms. */

t.test('Hebei ordinary: CI base leaves out the basic deductible; 50% above 10,000', async (t) => {
  const s = run({ pack: 'hebei-2018', bill: bill('60000.00', { discharge: '2019-05-01' }) });
  t.equal(paid(s, 'basic'), '44625.00');
  t.equal(s.layers[1]!.base.toFixed(2), '14875.00');
  t.equal(paid(s, 'critical_illness'), '2437.50');
  t.equal(s.patientShare.toFixed(2), '12937.50');
});

t.test('Hebei referred registered poor carry the deductible already paid; the tilt is settled on application', async (t) => {
  const s = run({ pack: 'hebei-2018', bill: bill('60000.00', { level: 3, referral: true, discharge: '2019-05-01' }), identities: [ident('jiandang')], ledger: ledger(2019, { basicDeductiblePaid: '200.00', inpatientAdmissions: 1 }) });
  t.equal(s.layers[0]!.deductibleApplied.toFixed(2), '800.00');
  t.ok(reasons(s, 'basic').includes('DEDUCTIBLE_CARRIED'));
  t.equal(paid(s, 'basic'), '35520.00');
  t.equal(paid(s, 'critical_illness'), '10274.00'); // (23680 − 5000) × 55%
  t.equal(paid(s, 'assistance'), '9944.20');
  t.same(reasons(s, 'tilt'), ['SETTLED_ON_APPLICATION']);
  t.equal(s.patientShare.toFixed(2), '4261.80');
});

t.test('Hebei CI bands are absolute thresholds on the running annual base', async (t) => {
  const s = run({ pack: 'hebei-2018', bill: bill('50000.00', { level: 1, discharge: '2019-09-01' }), ledger: ledger(2019, { ciBase: '45000.00', ciDeductibleConsumed: '10000.00', ciPaid: '17500.00', inpatientAdmissions: 2 }) });
  t.equal(paid(s, 'basic'), '42330.00');
  t.same(s.layers[1]!.bands.map((b) => [b.amount.toFixed(2), b.ratio.toString()]), [['5000.00', '0.5'], ['2470.00', '0.6']]);
  t.equal(paid(s, 'critical_illness'), '3982.00');
  t.equal(s.patientShare.toFixed(2), '3688.00');
});

t.test('Hebei warns when out-of-catalog spending passes 10% at level 2 and above only', async (t) => {
  const lines = [line('8900.00'), line('1100.00', 'OUT')];
  const l2 = run({ pack: 'hebei-2018', bill: bill(lines, { discharge: '2019-05-01' }) });
  t.same(l2.warnings.map((w) => w.code), ['OUT_OF_CATALOG_RATIO']);
  t.equal(l2.split.fullySelfPaid.toFixed(2), '1100.00');
  const l1 = run({ pack: 'hebei-2018', bill: bill(lines, { level: 1, discharge: '2019-05-01' }) });
  t.same(l1.warnings, []);
  const at10 = run({ pack: 'hebei-2018', bill: bill([line('9000.00'), line('1000.00', 'OUT')], { discharge: '2019-05-01' }) });
  t.same(at10.warnings, [], 'exactly 10% is within the limit');
});

t.test('Shenyang 2020: the poor get CI at 50% of the deductible and a flat 70%, then assistance', async (t) => {
  const s = run({ pack: 'shenyang-2020', bill: bill('100000.00', { discharge: '2020-03-01' }), identities: [ident('dibao')] });
  t.equal(paid(s, 'basic'), '69580.00');
  t.equal(s.layers[1]!.deductibleApplied.toFixed(2), '7500.00');
  t.equal(paid(s, 'critical_illness'), '16044.00'); // (30420 − 7500) × 70%
  t.equal(paid(s, 'assistance'), '10063.20');
  t.equal(s.patientShare.toFixed(2), '4312.80');
});

t.test('Shenyang 2019 (replaced): +5 points and a zero-self-pay back-stop', async (t) => {
  const s = run({ pack: 'shenyang-2019', bill: bill('100000.00', { discharge: '2019-12-20' }), identities: [ident('dibao')] });
  t.equal(paid(s, 'critical_illness'), '12606.00'); // 22920 × 55%
  t.equal(paid(s, 'assistance'), '12469.80');
  t.equal(paid(s, 'sy_backstop'), '5344.20');
  t.equal(s.patientShare.toFixed(2), '0.00');
});

t.test('Shenyang ordinary CI cap crossed part-way', async (t) => {
  const s = run({ pack: 'shenyang-2020', bill: bill('100000.00', { discharge: '2020-03-01' }), ledger: ledger(2020, { ciPaid: '299500.00', ciBase: '700000.00', ciDeductibleConsumed: '15000.00' }) });
  t.equal(paid(s, 'critical_illness'), '500.00');
  t.equal(s.layers[1]!.limitAfter?.toFixed(2), '0.00');
  t.equal(s.patientShare.toFixed(2), '29920.00');
});

t.test('policy selection switches version on the effective date and falls back by region', async (t) => {
  const at = (region: string, discharge: string) => selectPolicy(PACKS, region, bill('1.00', { discharge }), discharge).id;
  t.equal(at('210102', '2019-12-31'), 'shenyang-2019');
  t.equal(at('210102', '2020-01-01'), 'shenyang-2020');
  t.equal(at('130100', '2019-05-01'), 'hebei-2018', 'a Hebei city falls back to the province');
  t.equal(at('130100', '2021-05-01'), 'national-2020', 'after the Hebei plan ends, the national baseline');
  t.equal(at('522701', '2022-01-01'), 'qiannan-2021', 'a Qiannan county falls back to the prefecture');
  t.throws(() => at('522701', '2018-01-01'), { code: 'NO_POLICY_FOR_DATE' }, 'no pack before Qiannan 2021 and no baseline before 2020');
});

t.test('the national baseline applies where a region has nothing more specific', async (t) => {
  const s = run({ pack: 'national-2020', bill: bill('50000.00', { discharge: '2021-02-01' }), identities: [ident('jiandang')] });
  t.equal(paid(s, 'basic'), '34650.00'); // 49500 × 70%
  t.equal(paid(s, 'critical_illness'), '5102.50'); // (15350 − 7500) × 65%
  t.equal(paid(s, 'assistance'), '7173.25'); // 10247.50 × 70%
  t.equal(s.patientShare.toFixed(2), '3074.25');
});
