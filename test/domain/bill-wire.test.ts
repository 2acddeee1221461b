import t from 'tap';
import { Compile } from 'typebox/compile';
import { Money } from '../../src/domain/money.js';
import { validateBill } from '../../src/domain/validate.js';
import { billFromWire, billToWire, ledgerFromWire, ledgerToWire, settlementToWire } from '../../src/domain/wire.js';
import { BillWireSchema, DateS, LedgerWireSchema, SettlementWireSchema } from '../../src/domain/wire-schema.js';
import { isCalendarDate } from '../../src/domain/index.js';
import { applyDelta, ledgerDelta, ledgersEqual, negateDelta } from '../../src/domain/ledger.js';
import { bill, ident, line, ledger, run } from './fixtures/build.js';

/* Bad bills are refused with stable codes; wire forms round-trip; a reversal restores the ledger exactly. */

const cases: Array<[string, () => ReturnType<typeof bill>]> = [
  ['BILL_EMPTY', () => bill([])],
  ['BILL_NEGATIVE_QUANTITY', () => bill([line('10.00', 'A', { quantity: new Money(-1), amount: new Money('-10.00') })])],
  ['BILL_AMOUNT_MISMATCH', () => bill([line('10.00', 'A', { quantity: new Money(2) })])],
  ['BILL_UNKNOWN_CLASS', () => bill([line('10.00', 'D' as 'A')])],
  ['BILL_NEGATIVE_AMOUNT', () => bill([line('10.00', 'A', { amount: new Money('-10.00') })])],
  ['BILL_DATES_INVERTED', () => ({ ...bill('10.00'), admissionDate: '2022-07-01' })],
];
for (const [code, make] of cases) {
  t.test(`a bad bill is refused with ${code}`, async (t) => {
    t.throws(() => validateBill(make()), { code });
    t.throws(() => run({ pack: 'qiannan-2021', bill: make() }), { code }, 'settle validates too');
  });
}

t.test('one cent of rounding between amount and quantity × price is tolerated', async (t) => {
  t.doesNotThrow(() => validateBill(bill([line('10.00', 'A', { quantity: new Money(3), unitPrice: new Money('3.3333') })])));
});

t.test('bill and ledger survive the wire both ways', async (t) => {
  const b = bill([line('12.50', 'B', { selfPayRatio: new Money('0.2') }), line('3.00', 'C')]);
  t.same(billToWire(billFromWire(billToWire(b))), billToWire(b));
  t.equal(billToWire(b).lines[0]!.amount, '12.50');
  const l = ledger(2022, { basicPaid: '123.4', inpatientAdmissions: 2 });
  t.equal(ledgerToWire(l).basicPaid, '123.40');
  t.ok(ledgersEqual(ledgerFromWire(ledgerToWire(l)), l));
  t.throws(() => ledgerFromWire({ ...ledgerToWire(l), ciPaid: '1.234' }), { code: 'LEDGER_BAD_NUMBER' });
});

t.test('the settlement wire form carries the national view of the same numbers', async (t) => {
  const s = run({ pack: 'qiannan-2021', bill: bill([line('30000.00'), line('1000.00', 'B'), line('500.00', 'OUT')]), identities: [ident('tekun')] });
  const w = settlementToWire(s);
  t.ok(Compile(SettlementWireSchema).Check(w), 'matches SettlementWireSchema');
  const n = w.national;
  t.equal(n.medfee_sumamt, '31500.00');
  t.equal(n.fulamt_ownpay_amt, '500.00');
  t.equal(n.preselfpay_amt, '100.00');
  t.equal(n.inscp_scp_amt, '30900.00');
  t.equal(n.act_pay_dedc, '500.00');
  t.equal(n.hifp_pay, w.layers[0]!.paid);
  const sum = [n.hifp_pay, n.hifmi_pay, n.maf_pay, n.oth_pay].reduce((a, x) => a.plus(x), new Money(0));
  t.equal(sum.toFixed(2), n.fund_pay_sumamt);
  t.equal(new Money(n.fund_pay_sumamt).plus(n.psn_part_amt).toFixed(2), n.medfee_sumamt);
  t.same(n.setldetail.map((d) => d.fund_pay_type), ['390100', '390200', '610100', '610200']);
  t.equal(n.psn_part_amt, '600.00', 'out-of-catalog and B pre-self-pay stay with the patient');
});

t.test('a reversal subtracts exactly its own deltas and leaves a later settlement’s figures', async (t) => {
  const first = run({ pack: 'qiannan-2021', bill: bill('30000.00'), identities: [ident('dibao')] });
  const second = run({ pack: 'qiannan-2021', bill: bill('20000.00'), identities: [ident('dibao')], ledger: first.ledgerAfter });
  const reversed = applyDelta(second.ledgerAfter, negateDelta(ledgerDelta(first.ledgerBefore, first.ledgerAfter)));
  const secondDelta = ledgerDelta(second.ledgerBefore, second.ledgerAfter);
  t.ok(ledgersEqual(reversed, applyDelta(first.ledgerBefore, secondDelta)));
  t.equal(reversed.inpatientAdmissions, 1);
  t.throws(() => applyDelta(ledger(2021), secondDelta), { code: 'LEDGER_YEAR_MISMATCH' });
});

t.test('a ledger from another policy year is refused', async (t) => {
  t.throws(() => run({ pack: 'qiannan-2021', bill: bill('10.00'), ledger: ledger(2021) }), { code: 'LEDGER_YEAR_MISMATCH' });
});

t.test('bills above the size limits are refused with BILL_TOO_LARGE / BILL_TOO_PRECISE', async (t) => {
  const big = (extra: Parameters<typeof line>[2]) => bill([line('1.00', 'A', extra)]);
  const tooLarge: Array<[string, ReturnType<typeof bill>]> = [
    ['a line amount above 99,999,999.99', bill('100000000.00')],
    ['quantity × unit price above the ceiling', big({ quantity: new Money(20000), unitPrice: new Money(10000) })],
    ['a quantity above 99,999,999', big({ quantity: new Money('100000000'), unitPrice: new Money(0), amount: new Money(0) })],
    ['a unit price above the ceiling', big({ quantity: new Money(1), unitPrice: new Money('100000000'), amount: new Money(0) })],
    ['a bill total above the ceiling', bill([line('60000000.00'), line('60000000.00', 'B')])],
  ];
  for (const [what, b] of tooLarge) {
    t.throws(() => validateBill(b), { code: 'BILL_TOO_LARGE' }, what);
    t.throws(() => run({ pack: 'wenzhou-2019', bill: b }), { code: 'BILL_TOO_LARGE' }, `${what} (settle)`);
  }
  t.throws(() => validateBill(big({ unitPrice: new Money('1.0000001') })), { code: 'BILL_TOO_PRECISE' });
  t.throws(() => validateBill(big({ quantity: new Money('1.0000001') })), { code: 'BILL_TOO_PRECISE' });
  t.doesNotThrow(() => validateBill(bill([line('99999998.99'), line('1.00', 'B')])), 'exactly at the ceiling is accepted');
  const s = run({ pack: 'wenzhou-2019', bill: bill('99999999.99') });
  t.ok(s.ledgerAfter.patientPaid.lessThan('1e12'), 'a maximal bill leaves the ledger far inside the money pattern');
});

t.test('the bill wire schema bounds the digits of quantities and prices', async (t) => {
  const ok = billToWire(bill('10.00'));
  const check = Compile(BillWireSchema);
  t.ok(check.Check(ok));
  t.notOk(check.Check({ ...ok, lines: [{ ...ok.lines[0]!, quantity: '1'.repeat(13) }] }), '13 integer digits');
  t.notOk(check.Check({ ...ok, lines: [{ ...ok.lines[0]!, unitPrice: `1.${'0'.repeat(13)}` }] }), '13 decimals');
});

t.test('impossible or out-of-range dates are refused with BILL_BAD_DATE', async (t) => {
  const bad = ['2026-02-30', '2023-02-29', '2022-04-31', '2022-13-01', '2022-00-10', '2022-06-00', '0000-01-01', '1999-12-31', '2201-01-01', '2250-06-01', '9999-12-31', '2022-6-1', ''];
  for (const d of bad) {
    t.notOk(isCalendarDate(d), `${JSON.stringify(d)} is not a calendar date`);
    t.throws(() => validateBill({ ...bill('10.00'), admissionDate: d }), { code: 'BILL_BAD_DATE' }, `admission ${d}`);
    t.throws(() => validateBill({ ...bill('10.00'), dischargeDate: d }), { code: 'BILL_BAD_DATE' }, `discharge ${d}`);
  }
  for (const d of ['2024-02-29', '2000-02-29', '2000-01-01', '2200-12-31', '2022-12-31']) t.ok(isCalendarDate(d), `${d} is a calendar date`);
  t.notOk(isCalendarDate('2100-02-29'), '2100 is not a leap year');
  t.throws(() => run({ pack: 'qiannan-2021', bill: bill('10.00'), settlementDate: '2022-06-31' }), { code: 'BILL_BAD_DATE' }, 'settlement date too');
});

t.test('the wire date schema refuses out-of-range years and months; NUL is refused in every bill text', async (t) => {
  const date = Compile(DateS);
  for (const d of ['0000-01-01', '1999-12-31', '2201-01-01', '9999-12-31', '2022-13-01', '2022-01-32', '2022-00-01']) t.notOk(date.Check(d), d);
  for (const d of ['2000-01-01', '2200-12-31', '2022-06-10']) t.ok(date.Check(d), d);
  const w = billToWire(bill('10.00'));
  const check = Compile(BillWireSchema);
  const nul = 'a\u0000b';
  const variants = [
    { ...w, visitNo: nul },
    { ...w, hospital: { ...w.hospital, id: nul } },
    { ...w, hospital: { ...w.hospital, regionCode: nul } },
    { ...w, lines: [{ ...w.lines[0]!, itemCode: nul }] },
    { ...w, lines: [{ ...w.lines[0]!, name: nul }] },
  ];
  for (const v of variants) {
    t.notOk(check.Check(v), 'schema refuses NUL');
    t.throws(() => validateBill(billFromWire(v)), { code: 'BILL_BAD_TEXT' }, 'validateBill refuses NUL');
  }
  t.ok(check.Check({ ...w, lines: [{ ...w.lines[0]!, name: '阿莫西林胶囊 0.25g' }] }), 'ordinary text passes');
});

t.test('a ledger stored before assistanceBase existed still loads, with the field at 0', async (t) => {
  const w = ledgerToWire(ledger(2022, { assistanceBase: '123.45', assistancePaid: '80.00' }));
  t.equal(w.assistanceBase, '123.45');
  const { assistanceBase: _old, ...stored } = w;
  const l = ledgerFromWire(stored);
  t.equal(l.assistanceBase.toFixed(2), '0.00');
  t.equal(l.assistancePaid.toFixed(2), '80.00');
  t.ok(Compile(LedgerWireSchema).Check(stored), 'the old shape still matches LedgerWireSchema');
  t.throws(() => ledgerFromWire({ ...w, assistanceBase: 'x' }), { code: 'LEDGER_BAD_NUMBER' });
  const s = run({ pack: 'wenzhou-2019', bill: bill('50000.00', { discharge: '2020-06-01' }), identities: [ident('dibao')] });
  const d = ledgerDelta(s.ledgerBefore, s.ledgerAfter);
  t.ok(d.assistanceBase.greaterThan(0));
  t.ok(ledgersEqual(applyDelta(s.ledgerAfter, negateDelta(d)), s.ledgerBefore), 'a reversal restores assistanceBase too');
  t.equal(settlementToWire(s).ledgerDelta.assistanceBase, d.assistanceBase.toFixed(2));
});

t.test('the engine still computes a bill of 0.00 or with a line of quantity 0 (the intake refuses them; stored settlements must replay)', async (t) => {
  const { checkSettleable } = await import('../../src/domain/validate.js');
  const zero = bill([line('0.00')], { discharge: '2020-06-10' });
  t.doesNotThrow(() => validateBill(zero), 'well-formed');
  t.throws(() => checkSettleable(zero), { code: 'BILL_ZERO_TOTAL' });
  const s = run({ pack: 'wenzhou-2019', bill: zero });
  t.equal(s.split.total.toFixed(2), '0.00');
  t.equal(s.patientShare.toFixed(2), '0.00', 'computed, every figure 0.00');
});
