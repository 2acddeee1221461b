import { Money, sum } from '../domain/money.js';
import { own } from '../domain/own.js';
import type { SettlementWire } from '../domain/wire.js';
import { toDaxie } from './daxie.js';
import { maskIdNumber, maskName } from './mask.js';
import type { SlipData, SlipLedgerLine } from './model.js';

/*
 * From a stored settlement to what its slip shows. The input is the API's settlement
 * record (amounts as the API serves them) plus the hospital and person rows and, when
 * reversed, the reversal record: the slip prints the same strings the API returns, and
 * checks the bill identities first, because a slip that does not add up must not be
 * printed at all.
 */

/** The parts of the API's SettlementRecord a slip needs. */
export interface SlipRecord {
  id: string;
  kind: 'settlement' | 'reversal';
  visitType: string;
  admissionDate: string;
  dischargeDate: string;
  /** ISO timestamp (UTC), the moment the settlement was committed. */
  createdAt: string;
  settlement: Pick<SettlementWire, 'split' | 'layers' | 'fundTotal' | 'patientShare' | 'identity' | 'ledgerAfter'> | null;
}

export interface SlipSource {
  record: SlipRecord;
  hospital: { code: string; name: string };
  /** Full name and ID-card number as stored; masked here and nowhere later. */
  person: { name: string; idCard: string };
  /** The reversal record when the settlement has been reversed. */
  reversal: { id: string; createdAt: string } | null;
}

export class SlipInconsistentError extends Error {
  override name = 'SlipInconsistentError';
}

/** Chinese labels of the identity categories the packs know (domain.md §2); others print as their code. */
export const CATEGORY_LABELS: Readonly<Record<string, string>> = {
  tekun: '特困人员',
  dibao: '低保对象',
  dibian: '低保边缘家庭成员',
  yifanpin: '防止返贫监测对象',
  jiandang: '建档立卡贫困人口',
  yinbing: '因病致贫重病患者',
  tufa: '突发严重困难户',
  wending: '稳定脱贫人口',
};
const ORDINARY = '普通参保人员';

const VISIT_TYPE_LABELS: Readonly<Record<string, string>> = { inpatient: '住院', chronic_outpatient: '门诊慢特病' };

/** Layers whose limit is annual by nature; others (tilt, extra layers) may be per admission. */
const ANNUAL_LAYERS = new Set(['basic', 'critical_illness', 'assistance']);

/** "2026-11-23T02:15:42.123Z" → "2026-11-23 10:15:42", Beijing time (UTC+8, no DST since 1991). */
export function beijingTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${JSON.stringify(iso)}`);
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function check(what: string, left: Money, right: Money): void {
  if (!left.eq(right)) throw new SlipInconsistentError(`${what}: ${left.toFixed(2)} ≠ ${right.toFixed(2)}`);
}

type Settled = NonNullable<SlipRecord['settlement']>;

/** The identities of domain.md §1 and §4, on the strings the slip will print. */
function assertConsistent(s: Settled): void {
  const m = (x: string) => new Money(x);
  const { split } = s;
  check('bill split', sum([split.fullySelfPaid, split.overLimit, split.preSelfPay, split.inScope].map(m)), m(split.total));
  check('fund total', sum(s.layers.map((l) => m(l.paid))), m(s.fundTotal));
  check('patient share', m(split.total).minus(m(s.fundTotal)), m(s.patientShare));
}

function ledgerLines(s: Settled): SlipLedgerLine[] {
  const l = s.ledgerAfter;
  const lines: SlipLedgerLine[] = [
    { label: '本年度住院次数', value: String(l.inpatientAdmissions), money: false },
    { label: '本年度基本医保统筹基金累计支付', value: l.basicPaid, money: true },
  ];
  if (s.layers.some((x) => x.layer === 'critical_illness')) lines.push({ label: '本年度大病保险累计支付', value: l.ciPaid, money: true });
  if (s.layers.some((x) => x.layer === 'assistance')) lines.push({ label: '本年度医疗救助累计支付', value: l.assistancePaid, money: true });
  for (const layer of s.layers) {
    if (layer.limitAfter === null) continue;
    const label = `${ANNUAL_LAYERS.has(layer.layer) ? '本年度' : ''}${layer.fundName}剩余额度`;
    lines.push({ label, value: layer.limitAfter, money: true });
  }
  return lines;
}

export function slipFromSettlement(src: SlipSource): SlipData {
  const { record, hospital, person, reversal } = src;
  const s = record.settlement;
  if (record.kind !== 'settlement' || s === null) {
    throw new SlipInconsistentError(`record ${record.id} is a ${record.kind}, not a settlement: print the slip of the settlement it reverses`);
  }
  assertConsistent(s);
  const used = s.identity.used;
  return {
    hospital: { name: hospital.name, code: hospital.code },
    settlement: { id: record.id, number: record.id, settledAt: beijingTime(record.createdAt) },
    patient: { name: maskName(person.name), idNumber: maskIdNumber(person.idCard) },
    categoryLabel: used === null ? ORDINARY : (own(CATEGORY_LABELS, used) ?? used),
    visitTypeLabel: VISIT_TYPE_LABELS[record.visitType] ?? record.visitType,
    admissionDate: record.admissionDate,
    dischargeDate: record.dischargeDate,
    bill: {
      total: s.split.total,
      fullySelfPaid: s.split.fullySelfPaid,
      overLimit: s.split.overLimit,
      preSelfPay: s.split.preSelfPay,
      inScope: s.split.inScope,
    },
    funds: s.layers.map((l) => ({ name: l.fundName, fundCode: l.fundCode, amount: l.paid, explanation: l.explanation })),
    fundTotal: s.fundTotal,
    patientPays: s.patientShare,
    patientPaysDaxie: toDaxie(s.patientShare),
    ledgerAfter: ledgerLines(s),
    reversal: reversal ? { reference: reversal.id, reversedAt: beijingTime(reversal.createdAt) } : null,
    qrPayload: record.id,
  };
}
