import type { Decimal } from 'decimal.js';
import { DomainError } from './errors.js';
import { ZERO, fmt, parseDecimal, parseMoney } from './money.js';
import { ledgerDelta, LEDGER_MONEY_FIELDS } from './ledger.js';
import { nationalView } from './national.js';
import type { Bill, Ledger, Person, Settlement } from './types.js';
import type { BillWire, LedgerWire, PersonWire, SettlementWire } from './wire-schema.js';

/*
 * Conversion between Decimal domain values and their JSON form. Money leaves as a
 * two-place string; ratios and quantities leave as plain decimal strings. A malformed
 * number coming in is a BILL_BAD_NUMBER / LEDGER_BAD_NUMBER domain error.
 */

export type { BillWire, BillLineWire, LedgerWire, PersonWire, IdentityWire, SettlementWire, NationalWire, LayerWire } from './wire-schema.js';
export { validateBill } from './validate.js';

function num(code: string, where: string, parse: (s: string) => Decimal, s: string): Decimal {
  try {
    return parse(s);
  } catch {
    throw new DomainError(code, `${where}: not a valid number: ${JSON.stringify(s)}`, { where });
  }
}

/** One number of bill line i (a module-level function: see precise() in validate.ts). */
function lineNumber(i: number, field: string, s: string, p = parseDecimal): Decimal {
  return num('BILL_BAD_NUMBER', `line ${i} ${field}`, p, s);
}

export function billFromWire(w: BillWire): Bill {
  return {
    visitNo: w.visitNo,
    hospital: { ...w.hospital },
    visitType: w.visitType,
    admissionDate: w.admissionDate,
    dischargeDate: w.dischargeDate,
    referral: w.referral,
    lines: w.lines.map((l, i) => {
      return {
        itemCode: l.itemCode,
        name: l.name,
        kind: l.kind,
        catalogClass: l.catalogClass,
        quantity: lineNumber(i, 'quantity', l.quantity),
        unitPrice: lineNumber(i, 'unitPrice', l.unitPrice),
        amount: lineNumber(i, 'amount', l.amount, parseMoney),
        ...(l.priceCeiling !== undefined ? { priceCeiling: lineNumber(i, 'priceCeiling', l.priceCeiling) } : {}),
        ...(l.selfPayRatio !== undefined ? { selfPayRatio: lineNumber(i, 'selfPayRatio', l.selfPayRatio) } : {}),
      };
    }),
  };
}

export function billToWire(b: Bill): BillWire {
  return {
    visitNo: b.visitNo,
    hospital: { ...b.hospital },
    visitType: b.visitType,
    admissionDate: b.admissionDate,
    dischargeDate: b.dischargeDate,
    referral: b.referral,
    lines: b.lines.map((l) => ({
      itemCode: l.itemCode,
      name: l.name,
      kind: l.kind,
      catalogClass: l.catalogClass,
      quantity: l.quantity.toString(),
      unitPrice: l.unitPrice.toString(),
      amount: fmt(l.amount),
      ...(l.priceCeiling !== undefined ? { priceCeiling: l.priceCeiling.toString() } : {}),
      ...(l.selfPayRatio !== undefined ? { selfPayRatio: l.selfPayRatio.toString() } : {}),
    })),
  };
}

export function personFromWire(w: PersonWire): Person {
  return { id: w.id, insuredRegion: w.insuredRegion, scheme: w.scheme, identities: w.identities.map((i) => ({ ...i })) };
}

export function personToWire(p: Person): PersonWire {
  return personFromWire(p);
}

export function ledgerToWire(l: Ledger): LedgerWire {
  const w = { year: l.year, inpatientAdmissions: l.inpatientAdmissions } as LedgerWire;
  for (const f of LEDGER_MONEY_FIELDS) w[f] = fmt(l[f]);
  w.extraPaid = Object.fromEntries(Object.entries(l.extraPaid).map(([k, v]) => [k, fmt(v)]));
  return w;
}

export function ledgerFromWire(w: LedgerWire): Ledger {
  const l = { year: w.year, inpatientAdmissions: w.inpatientAdmissions } as Ledger;
  for (const f of LEDGER_MONEY_FIELDS) {
    const v = w[f];
    // assistanceBase came later: a ledger stored before it has none, and its bands restart at 0.
    l[f] = v === undefined && f === 'assistanceBase' ? ZERO : num('LEDGER_BAD_NUMBER', `ledger ${f}`, parseMoney, v ?? '');
  }
  l.extraPaid = Object.fromEntries(Object.entries(w.extraPaid).map(([k, v]) => [k, num('LEDGER_BAD_NUMBER', `ledger extraPaid.${k}`, parseMoney, v)]));
  return l;
}

export function settlementToWire(s: Settlement): SettlementWire {
  return {
    policy: { ...s.policy },
    decidingDate: s.decidingDate,
    policyYear: s.policyYear,
    split: {
      total: fmt(s.split.total),
      fullySelfPaid: fmt(s.split.fullySelfPaid),
      overLimit: fmt(s.split.overLimit),
      preSelfPay: fmt(s.split.preSelfPay),
      inScope: fmt(s.split.inScope),
      outOfCatalog: fmt(s.split.outOfCatalog),
    },
    layers: s.layers.map((l) => ({
      ...l,
      base: fmt(l.base),
      deductibleApplied: fmt(l.deductibleApplied),
      bands: l.bands.map((b) => ({ from: fmt(b.from), to: b.to === null ? null : fmt(b.to), ratio: b.ratio.toString(), amount: b.amount.toString(), paidRaw: b.paidRaw.toString() })),
      limitBefore: l.limitBefore === null ? null : fmt(l.limitBefore),
      limitAfter: l.limitAfter === null ? null : fmt(l.limitAfter),
      paid: fmt(l.paid),
      reasons: [...l.reasons],
    })),
    fundTotal: fmt(s.fundTotal),
    patientShare: fmt(s.patientShare),
    identity: {
      used: s.identity.used,
      considered: s.identity.considered.map((c) => ({ category: c.category, patientShare: fmt(c.patientShare), fundTotal: fmt(c.fundTotal), note: c.note })),
      ignored: s.identity.ignored.map((i) => ({ ...i })),
    },
    ledgerBefore: ledgerToWire(s.ledgerBefore),
    ledgerAfter: ledgerToWire(s.ledgerAfter),
    ledgerDelta: ledgerToWire(ledgerDelta(s.ledgerBefore, s.ledgerAfter)),
    warnings: s.warnings.map((w) => ({ ...w, ...(w.details ? { details: { ...w.details } } : {}) })),
    national: nationalView(s),
  };
}
