import type { Decimal } from 'decimal.js';
import { DomainError } from './errors.js';
import { Money, fmt } from './money.js';
import { hasNul, isCalendarDate } from './dates.js';
import type { Bill, BillLine } from './types.js';

/*
 * Rejects malformed bills with stable codes before any money moves. One cent of
 * tolerance on amount = quantity × unit price absorbs the hospital's own rounding.
 */

const CLASSES = new Set(['A', 'B', 'C', 'OUT']);
const KINDS = new Set(['drug', 'service', 'material']);
const CENT = new Money('0.01');
const MINUS_CENT = new Money('-0.01');

/*
 * Limits on everything (TigerBeetle style). A bill above 99,999,999.99 yuan is not a
 * real discharge bill, and refusing it keeps every stored figure inside its column:
 * the bill amounts fit numeric(14,2) with room to spare, and a person's annual ledger
 * can take ten thousand maximal bills before it leaves the 12-digit money pattern.
 * Quantity and unit price are bounded in digits so that their product stays small
 * and exact: at most 99,999,999 units, at most 99,999,999.99 yuan a unit, and at most
 * six decimal places (drug units such as 0.125 g and prices such as 3.3333 fit).
 */
export const BILL_AMOUNT_MAX = new Money('99999999.99');
export const BILL_QUANTITY_MAX = new Money('99999999');
export const BILL_DECIMALS_MAX = 6;

function bad(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details);
}

function checkHeader(bill: Bill): void {
  if (!bill.lines || bill.lines.length === 0) bad('BILL_EMPTY', `bill ${bill.visitNo} has no lines`);
  if (![1, 2, 3].includes(bill.hospital.level)) bad('BILL_BAD_LEVEL', `hospital level must be 1, 2 or 3 (got ${String(bill.hospital.level)})`);
  if (bill.visitType !== 'inpatient' && bill.visitType !== 'chronic_outpatient') bad('BILL_BAD_VISIT_TYPE', `unknown visit type ${String(bill.visitType)}`);
  for (const d of [bill.admissionDate, bill.dischargeDate]) {
    if (!isCalendarDate(d)) bad('BILL_BAD_DATE', `not a calendar date from 2000 to 2200: ${JSON.stringify(d)}`, { date: d });
  }
  for (const t of [bill.visitNo, bill.hospital.id, bill.hospital.regionCode]) if (hasNul(t)) bad('BILL_BAD_TEXT', 'a bill text field contains NUL (\\u0000)');
  if (bill.dischargeDate < bill.admissionDate) {
    bad('BILL_DATES_INVERTED', `discharge ${bill.dischargeDate} is before admission ${bill.admissionDate}`, { admissionDate: bill.admissionDate, dischargeDate: bill.dischargeDate });
  }
}

/**
 * |amount − product| ≤ 0.01. Most lines match exactly, so equality is tried first: it
 * needs no intermediate Decimal, and the difference is only formed when it is not equal.
 */
function withinACent(amount: Decimal, product: Decimal): boolean {
  if (amount.equals(product)) return true;
  const diff = amount.minus(product);
  return diff.lessThanOrEqualTo(CENT) && diff.greaterThanOrEqualTo(MINUS_CENT);
}

/** Refuses one line; the details object is built only when there is something to refuse. */
function badLine(code: string, i: number, l: BillLine, what: string): never {
  bad(code, `line ${i} (${l.itemCode}): ${what}`, { line: i, itemCode: l.itemCode });
}

/**
 * Hot helpers are module-level functions, never closures made per call: tsx (esbuild's
 * keepNames) names every named closure with Object.defineProperty each time it is made,
 * which cost more than the checks themselves (bench:settle profile, 2026-12-02).
 */
function precise(d: Decimal | undefined): boolean {
  return d === undefined || d.decimalPlaces() <= BILL_DECIMALS_MAX;
}

/** Magnitude and digit limits of one line, checked before any product is formed. */
function checkLineSize(l: BillLine, i: number): void {
  if (l.quantity.greaterThan(BILL_QUANTITY_MAX)) badLine('BILL_TOO_LARGE', i, l, `quantity ${l.quantity.toString()} above ${BILL_QUANTITY_MAX.toString()}`);
  if (l.unitPrice.greaterThan(BILL_AMOUNT_MAX)) badLine('BILL_TOO_LARGE', i, l, `unit price above ${fmt(BILL_AMOUNT_MAX)}`);
  if (l.priceCeiling?.greaterThan(BILL_AMOUNT_MAX)) badLine('BILL_TOO_LARGE', i, l, `price ceiling above ${fmt(BILL_AMOUNT_MAX)}`);
  if (l.amount.greaterThan(BILL_AMOUNT_MAX)) badLine('BILL_TOO_LARGE', i, l, `amount above ${fmt(BILL_AMOUNT_MAX)}`);
  if (!precise(l.quantity) || !precise(l.unitPrice) || !precise(l.priceCeiling) || !precise(l.selfPayRatio)) {
    badLine('BILL_TOO_PRECISE', i, l, `quantity, unit price, price ceiling and self-pay ratio take at most ${BILL_DECIMALS_MAX} decimals`);
  }
}

function checkLine(l: BillLine, i: number): void {
  if (!CLASSES.has(l.catalogClass)) badLine('BILL_UNKNOWN_CLASS', i, l, `unknown catalog class ${String(l.catalogClass)}`);
  if (!KINDS.has(l.kind)) badLine('BILL_UNKNOWN_KIND', i, l, `unknown item kind ${String(l.kind)}`);
  if (hasNul(l.itemCode) || hasNul(l.name)) bad('BILL_BAD_TEXT', `line ${i}: item code or name contains NUL (\\u0000)`, { line: i });
  if (l.quantity.isNegative()) badLine('BILL_NEGATIVE_QUANTITY', i, l, `negative quantity ${l.quantity.toString()}`);
  if (l.unitPrice.isNegative()) badLine('BILL_NEGATIVE_PRICE', i, l, 'negative unit price');
  if (l.amount.isNegative()) badLine('BILL_NEGATIVE_AMOUNT', i, l, 'negative amount');
  if (l.amount.decimalPlaces() > 2) badLine('BILL_AMOUNT_NOT_CENTS', i, l, 'amount has more than 2 decimals');
  checkLineSize(l, i);
  const product = l.quantity.times(l.unitPrice);
  if (product.greaterThan(BILL_AMOUNT_MAX)) badLine('BILL_TOO_LARGE', i, l, `quantity × unit price above ${fmt(BILL_AMOUNT_MAX)}`);
  if (!withinACent(l.amount, product)) {
    badLine('BILL_AMOUNT_MISMATCH', i, l, `amount ${fmt(l.amount)} ≠ ${l.quantity.toString()} × ${l.unitPrice.toString()}`);
  }
  if (l.priceCeiling?.isNegative()) badLine('BILL_NEGATIVE_PRICE', i, l, 'negative price ceiling');
  if (l.selfPayRatio && (l.selfPayRatio.isNegative() || l.selfPayRatio.greaterThan(1))) badLine('BILL_BAD_RATIO', i, l, 'self-pay ratio must be in [0, 1]');
}

/**
 * A binding settlement happens at or after discharge: a discharge date after the
 * settlement date is a typing error (and would block registry changes dated before it,
 * and open a ledger for a year to come). A preview (预结算) may carry the planned date.
 */
export function checkDischargedBy(bill: Bill, settlementDate: string): void {
  if (bill.dischargeDate > settlementDate) {
    bad('BILL_DISCHARGE_IN_FUTURE', `discharge ${bill.dischargeDate} is after the settlement date ${settlementDate}; settle on or after the day of discharge`, {
      dischargeDate: bill.dischargeDate,
      settlementDate,
    });
  }
}

/**
 * What a bill must have to be settled or previewed now, beyond being well-formed: no
 * line of quantity 0 (nothing was supplied; a free item is quantity 1 at price 0) and a
 * total above 0.00 (a bill of nothing would count as an admission and lower the next
 * deductible). Checked where a request comes in, not in the engine: a settlement stored
 * before these rules still replays.
 */
export function checkSettleable(bill: Bill): void {
  bill.lines.forEach((l, i) => {
    if (l.quantity.isZero()) badLine('BILL_ZERO_QUANTITY', i, l, 'quantity is 0');
  });
  if (bill.lines.every((l) => l.amount.isZero())) bad('BILL_ZERO_TOTAL', `bill ${bill.visitNo} totals 0.00: there is nothing to settle`, { total: '0.00' });
}

export function validateBill(bill: Bill): void {
  checkHeader(bill);
  let total: Decimal = new Money(0);
  for (let i = 0; i < bill.lines.length; i++) {
    const l = bill.lines[i]!;
    checkLine(l, i);
    total = total.plus(l.amount);
  }
  if (total.greaterThan(BILL_AMOUNT_MAX)) {
    bad('BILL_TOO_LARGE', `bill ${bill.visitNo} totals ${fmt(total)}, above ${fmt(BILL_AMOUNT_MAX)}`, { total: fmt(total), max: fmt(BILL_AMOUNT_MAX) });
  }
}
