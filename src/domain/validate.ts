import { DomainError } from './errors.js';
import { Money } from './money.js';
import type { Bill } from './types.js';

/*
 * Rejects malformed bills with stable codes before any money moves. One cent of
 * tolerance on amount = quantity × unit price absorbs the hospital's own rounding.
 */

const CLASSES = new Set(['A', 'B', 'C', 'OUT']);
const KINDS = new Set(['drug', 'service', 'material']);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const CENT = new Money('0.01');

function bad(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details);
}

function checkHeader(bill: Bill): void {
  if (!bill.lines || bill.lines.length === 0) bad('BILL_EMPTY', `bill ${bill.visitNo} has no lines`);
  if (![1, 2, 3].includes(bill.hospital.level)) bad('BILL_BAD_LEVEL', `hospital level must be 1, 2 or 3 (got ${String(bill.hospital.level)})`);
  if (bill.visitType !== 'inpatient' && bill.visitType !== 'chronic_outpatient') bad('BILL_BAD_VISIT_TYPE', `unknown visit type ${String(bill.visitType)}`);
  for (const d of [bill.admissionDate, bill.dischargeDate]) if (!DATE_RE.test(d)) bad('BILL_BAD_DATE', `not an ISO date: ${d}`);
  if (bill.dischargeDate < bill.admissionDate) {
    bad('BILL_DATES_INVERTED', `discharge ${bill.dischargeDate} is before admission ${bill.admissionDate}`, { admissionDate: bill.admissionDate, dischargeDate: bill.dischargeDate });
  }
}

export function validateBill(bill: Bill): void {
  checkHeader(bill);
  bill.lines.forEach((l, i) => {
    const at = { line: i, itemCode: l.itemCode };
    if (!CLASSES.has(l.catalogClass)) bad('BILL_UNKNOWN_CLASS', `line ${i} (${l.itemCode}): unknown catalog class ${String(l.catalogClass)}`, at);
    if (!KINDS.has(l.kind)) bad('BILL_UNKNOWN_KIND', `line ${i} (${l.itemCode}): unknown item kind ${String(l.kind)}`, at);
    if (l.quantity.isNegative()) bad('BILL_NEGATIVE_QUANTITY', `line ${i} (${l.itemCode}): negative quantity ${l.quantity.toString()}`, at);
    if (l.unitPrice.isNegative()) bad('BILL_NEGATIVE_PRICE', `line ${i} (${l.itemCode}): negative unit price`, at);
    if (l.amount.isNegative()) bad('BILL_NEGATIVE_AMOUNT', `line ${i} (${l.itemCode}): negative amount`, at);
    if (l.amount.decimalPlaces() > 2) bad('BILL_AMOUNT_NOT_CENTS', `line ${i} (${l.itemCode}): amount has more than 2 decimals`, at);
    if (l.amount.minus(l.quantity.times(l.unitPrice)).abs().greaterThan(CENT)) {
      bad('BILL_AMOUNT_MISMATCH', `line ${i} (${l.itemCode}): amount ${l.amount.toFixed(2)} ≠ ${l.quantity.toString()} × ${l.unitPrice.toString()}`, at);
    }
    if (l.priceCeiling?.isNegative()) bad('BILL_NEGATIVE_PRICE', `line ${i} (${l.itemCode}): negative price ceiling`, at);
    if (l.selfPayRatio && (l.selfPayRatio.isNegative() || l.selfPayRatio.greaterThan(1))) {
      bad('BILL_BAD_RATIO', `line ${i} (${l.itemCode}): self-pay ratio must be in [0, 1]`, at);
    }
  });
}
