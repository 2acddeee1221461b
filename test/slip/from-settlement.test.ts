import t from 'tap';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { settle } from '../../src/domain/engine.js';
import { emptyLedger } from '../../src/domain/ledger.js';
import { Money } from '../../src/domain/money.js';
import type { BillLine, CatalogClass } from '../../src/domain/types.js';
import { settlementToWire } from '../../src/domain/wire.js';
import { loadBundledPacks } from '../../src/policies/loader.js';
import { beijingTime, slipFromSettlement, SlipInconsistentError, type SlipSource } from '../../src/slip/from-settlement.js';
import { renderSlipHtml } from '../../src/slip/html.js';
import { renderSlipPdf } from '../../src/slip/pdf.js';
import { renderSlipText } from '../../src/slip/text.js';

/* A real settlement from the engine (Wenzhou 2019 pack, a 低保 member, 2020), through the wire form. */

function line(amount: string, catalogClass: CatalogClass, extra: Partial<BillLine> = {}): BillLine {
  const a = new Money(amount);
  return { itemCode: `I-${amount}-${catalogClass}`, name: 'item', kind: 'drug', catalogClass, quantity: new Money(1), unitPrice: a, amount: a, ...extra };
}

function wenzhouWire() {
  const pack = loadBundledPacks().find((p) => p.id === 'wenzhou-2019');
  if (!pack) throw new Error('wenzhou-2019 pack missing');
  const s = settle({
    bill: {
      visitNo: 'ZY2020060001', hospital: { id: 'H1', level: 2, regionCode: '330302' }, visitType: 'inpatient',
      admissionDate: '2020-05-20', dischargeDate: '2020-06-01', referral: true,
      lines: [line('61234.56', 'A'), line('20000.00', 'B'), line('1203.50', 'C'), line('5000.00', 'A', { priceCeiling: new Money('4913.00') })],
    },
    person: { id: 'P1', insuredRegion: '330302', scheme: 'urban_rural_resident', identities: [{ category: 'dibao', validFrom: '2015-01-01', validTo: null }] },
    ledger: emptyLedger(2020),
    policy: pack,
    settlementDate: '2020-06-01',
  });
  return settlementToWire(s);
}

function source(reversed = false): SlipSource {
  return {
    record: {
      id: '0b9c7a52-5f7e-4c1e-9d1a-3c2b1a0f9e8d', kind: 'settlement', visitType: 'inpatient',
      admissionDate: '2020-05-20', dischargeDate: '2020-06-01', createdAt: '2020-06-01T02:15:42.123Z', settlement: wenzhouWire(),
    },
    hospital: { code: 'H33030200001', name: '温州市第一人民医院' },
    person: { name: '张小三', idCard: '330302199001011234' },
    reversal: reversed ? { id: 'a1b2c3d4-0000-4000-8000-000000000001', createdAt: '2020-06-02T01:00:00Z' } : null,
  };
}

t.test('the slip carries the settlement’s own strings, masked identity and labels', async (t) => {
  const src = source();
  const w = src.record.settlement!;
  const d = slipFromSettlement(src);
  t.equal(d.bill.total, w.split.total);
  t.equal(d.bill.total, '87438.06');
  t.same(d.funds.map((f) => [f.fundCode, f.amount]), w.layers.map((l) => [l.fundCode, l.paid]));
  const national = wenzhouWire().national;
  t.equal(d.fundTotal, national.fund_pay_sumamt);
  t.equal(d.patientPays, national.psn_part_amt);
  t.equal(d.patient.name, '张*三');
  t.equal(d.patient.idNumber, '330302********1234');
  t.equal(d.categoryLabel, '低保对象');
  t.equal(d.visitTypeLabel, '住院');
  t.equal(d.settlement.settledAt, '2020-06-01 10:15:42');
  t.equal(d.qrPayload, src.record.id);
  t.equal(d.reversal, null);
  t.ok(d.ledgerAfter.some((l) => l.label === '本年度医疗救助累计支付' && l.value === w.ledgerAfter.assistancePaid));
  const serialized = JSON.stringify(d);
  t.notMatch(serialized, '张小三', 'the full name never reaches a renderer');
  t.notMatch(serialized, '19900101', 'the birth date never reaches a renderer');
});

t.test('every format shows exactly the amounts of the settlement', async (t) => {
  const d = slipFromSettlement(source(true));
  const w = source().record.settlement!;
  const amounts = [w.split.total, w.split.fullySelfPaid, w.split.overLimit, w.split.preSelfPay, w.split.inScope, ...w.layers.map((l) => l.paid), w.fundTotal, w.patientShare];
  const pdf = await getDocument({ data: new Uint8Array(await renderSlipPdf(d)), isEvalSupported: false }).promise;
  let pdfText = '';
  for (let i = 1; i <= pdf.numPages; i++) pdfText += (await (await pdf.getPage(i)).getTextContent()).items.map((it) => ('str' in it ? it.str : '')).join('');
  await pdf.destroy();
  const formats = { text48: renderSlipText(d, 48), text80: renderSlipText(d, 80), html: renderSlipHtml(d), pdf: pdfText };
  for (const [name, out] of Object.entries(formats)) {
    for (const a of amounts) t.ok(out.includes(a), `${name} shows ${a}`);
    t.ok(out.includes(d.patientPaysDaxie), `${name} shows the 大写`);
    t.ok(out.includes('已撤销') && out.includes('a1b2c3d4-0000-4000-8000-000000000001'), `${name} marks the reversal with its reference`);
  }
});

t.test('a settlement that does not add up is refused rather than printed', async (t) => {
  const bad = source();
  bad.record.settlement = { ...bad.record.settlement!, patientShare: '1.00' };
  t.throws(() => slipFromSettlement(bad), SlipInconsistentError);
  const badSplit = source();
  badSplit.record.settlement = { ...badSplit.record.settlement!, split: { ...badSplit.record.settlement!.split, inScope: '0.00' } };
  t.throws(() => slipFromSettlement(badSplit), /bill split/);
  const badFunds = source();
  badFunds.record.settlement = { ...badFunds.record.settlement!, fundTotal: '0.01' };
  t.throws(() => slipFromSettlement(badFunds), /fund total/);
});

t.test('a reversal record has no slip of its own', async (t) => {
  const rev = source();
  rev.record = { ...rev.record, kind: 'reversal', settlement: null };
  t.throws(() => slipFromSettlement(rev), SlipInconsistentError);
});

t.test('an ordinary insured person and an unknown category', async (t) => {
  const src = source();
  src.record.settlement = { ...src.record.settlement!, identity: { ...src.record.settlement!.identity, used: null } };
  t.equal(slipFromSettlement(src).categoryLabel, '普通参保人员');
  src.record.settlement = { ...src.record.settlement, identity: { ...src.record.settlement.identity, used: 'wz_special' } };
  t.equal(slipFromSettlement(src).categoryLabel, 'wz_special');
  // A pack may name a category like an Object.prototype member: its code prints, as for any unlabelled one.
  for (const used of ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty']) {
    src.record.settlement = { ...src.record.settlement, identity: { ...src.record.settlement.identity, used } };
    const d = slipFromSettlement(src);
    t.equal(d.categoryLabel, used);
    t.ok(renderSlipHtml(d).includes(used) && renderSlipText(d, 48).includes(used), `${used}: the HTML and text slips print it`);
  }
});

t.test('times print in Beijing time', async (t) => {
  t.equal(beijingTime('2026-12-31T16:00:00Z'), '2027-01-01 00:00:00');
  t.equal(beijingTime('2026-06-15T10:00:00+08:00'), '2026-06-15 10:00:00');
  t.throws(() => beijingTime('yesterday'), RangeError);
});
