import t from 'tap';
import fc from 'fast-check';
import { Money } from '../../src/domain/money.js';
import { applyDelta, ledgerDelta, ledgersEqual, negateDelta } from '../../src/domain/ledger.js';
import type { BillLine, Identity } from '../../src/domain/types.js';
import { PACKS, bill, ident, ledger, run } from './fixtures/build.js';

/* Invariants and monotonicity over random bills, ledgers, identities and every bundled pack. */

const DATES: Record<string, string> = {
  'qiannan-2021': '2022-06-10', 'wenzhou-2019': '2020-06-10', 'hebei-2018': '2019-06-10',
  'shenyang-2019': '2019-06-10', 'shenyang-2020': '2020-06-10', 'national-2020': '2021-06-10',
};
const CATS = ['tekun', 'dibao', 'yifanpin', 'tufa', 'dibian', 'yinbing', 'jiandang', 'wending'];

const lineArb = fc.record({
  cents: fc.integer({ min: 0, max: 8_000_000 }),
  cls: fc.constantFrom('A', 'A', 'B', 'C', 'OUT') as fc.Arbitrary<'A' | 'B' | 'C' | 'OUT'>,
});
const toLine = (l: { cents: number; cls: 'A' | 'B' | 'C' | 'OUT' }, i: number): BillLine => {
  const a = new Money(l.cents).dividedBy(100);
  return { itemCode: `I${i}`, name: 'x', kind: 'drug', catalogClass: l.cls, quantity: new Money(1), unitPrice: a, amount: a };
};
const ledgerArb = fc.record({
  inpatientAdmissions: fc.integer({ min: 0, max: 4 }),
  basicPaid: fc.integer({ min: 0, max: 300_000 }),
  basicDeductiblePaid: fc.integer({ min: 0, max: 2_000 }),
  ciBase: fc.integer({ min: 0, max: 400_000 }),
  ciPaid: fc.integer({ min: 0, max: 300_000 }),
  assistancePaid: fc.integer({ min: 0, max: 90_000 }),
  assistanceBase: fc.integer({ min: 0, max: 60_000 }),
  tiltPaid: fc.integer({ min: 0, max: 100_000 }),
});
const scenario = fc.record({
  pack: fc.constantFrom(...PACKS.map((p) => p.id)),
  lines: fc.array(lineArb, { minLength: 1, maxLength: 8 }),
  extra: lineArb,
  level: fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>,
  referral: fc.boolean(),
  chronic: fc.boolean(),
  cats: fc.subarray(CATS, { maxLength: 3 }),
  more: fc.constantFrom(...CATS),
  led: ledgerArb,
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

function build(sc: Scenario, lines = sc.lines, cats = sc.cats) {
  const discharge = DATES[sc.pack]!;
  return {
    pack: sc.pack,
    bill: bill(lines.map(toLine), { level: sc.level, referral: sc.referral, discharge, visitType: sc.chronic ? 'chronic_outpatient' : 'inpatient' }),
    identities: cats.map((c): Identity => ident(c)),
    ledger: ledger(Number(discharge.slice(0, 4)), sc.led),
  };
}

t.test('conservation, limits and ledger deltas hold for every settlement', async (t) => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const s = run(build(sc));
      const fundSum = s.layers.reduce((a, l) => a.plus(l.paid), new Money(0));
      if (!s.split.total.equals(fundSum.plus(s.patientShare))) return false;
      for (const l of s.layers) {
        if (l.paid.isNegative() || l.paid.greaterThan(l.base) || (l.limitBefore && l.paid.greaterThan(l.limitBefore))) return false;
      }
      const d = ledgerDelta(s.ledgerBefore, s.ledgerAfter);
      return ledgersEqual(applyDelta(s.ledgerBefore, d), s.ledgerAfter) && ledgersEqual(applyDelta(s.ledgerAfter, negateDelta(d)), s.ledgerBefore);
    }),
    { numRuns: 400 },
  );
  t.pass('400 random settlements conserve money and respect limits');
});

t.test('for a fixed identity, a higher bill never lowers any fund’s payment', async (t) => {
  fc.assert(
    fc.property(scenario, (sc) => {
      for (const as of [null, ...sc.cats]) {
        const lo = run({ ...build(sc), as });
        const hi = run({ ...build(sc, [...sc.lines, sc.extra]), as });
        for (const l of lo.layers) {
          const h = hi.layers.find((x) => x.layer === l.layer)!;
          if (h.paid.lessThan(l.paid)) return false;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass('monotone per fund');
});

t.test('with identity selection, a higher bill never lowers fund total nor patient share; one more identity never raises the share', async (t) => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const lo = run(build(sc));
      const hi = run(build(sc, [...sc.lines, sc.extra]));
      const more = run(build(sc, sc.lines, [...sc.cats, sc.more]));
      return hi.fundTotal.greaterThanOrEqualTo(lo.fundTotal) && hi.patientShare.greaterThanOrEqualTo(lo.patientShare) && more.patientShare.lessThanOrEqualTo(lo.patientShare);
    }),
    { numRuns: 300 },
  );
  t.pass('monotone with selection');
});

t.test('the chosen identity has the lowest patient share among those considered', async (t) => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const s = run(build(sc));
      return s.identity.considered.every((c) => c.patientShare.greaterThanOrEqualTo(s.patientShare)) && s.identity.considered.some((c) => c.category === s.identity.used);
    }),
    { numRuns: 200 },
  );
  t.pass('就高不重复');
});
