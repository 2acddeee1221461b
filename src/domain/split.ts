import type { Decimal } from 'decimal.js';
import { Rounding, ZERO, min, toCents } from './money.js';
import { dec } from './bands.js';
import { own } from './own.js';
import type { Bill, BillLine, BillSplit } from './types.js';
import type { PolicyPack } from '../policies/types.js';

/*
 * Splits the bill line by line (domain.md §1). The over-limit and B pre-self-pay parts
 * are rounded to the cent per line (HALF_UP) so that every part is whole cents and
 * total = fullySelfPaid + overLimit + preSelfPay + inScope holds exactly.
 *
 * Only the parts that are not zero are accumulated per line, and inScope is derived
 * once at the end as total minus the other parts. Decimal sums are exact here (whole
 * cents, far below the Money precision), so this gives the same figures as summing
 * each line's in-scope part, with a fraction of the Decimal operations: a class-A
 * line without a price ceiling costs a single addition.
 */

/** The per-unit price ceiling of a line: its own, else the pack's for the item code. */
function ceilingOf(line: BillLine, pack: PolicyPack): Decimal | undefined {
  if (line.priceCeiling !== undefined) return line.priceCeiling;
  const s = own(pack.split.priceCeilingByItem, line.itemCode);
  return s === undefined ? undefined : dec(s);
}

/** The over-limit part of an in-catalog line (above the ceiling, per unit), whole cents. */
function overLimitOf(line: BillLine, pack: PolicyPack): Decimal {
  const ceiling = ceilingOf(line, pack);
  if (ceiling === undefined || !line.unitPrice.greaterThan(ceiling)) return ZERO;
  return min(line.amount, toCents(line.unitPrice.minus(ceiling).times(line.quantity), Rounding.HALF_UP));
}

/** The B pre-self-pay part of what remains of a class-B line after the over-limit part. */
function preSelfPayOf(line: BillLine, rest: Decimal, pack: PolicyPack): Decimal {
  const ratio = line.selfPayRatio ?? dec(own(pack.split.bSelfPayRatioByItem, line.itemCode) ?? pack.split.bSelfPayRatioDefault);
  return min(rest, toCents(rest.times(ratio), Rounding.HALF_UP));
}

export function splitBill(bill: Bill, pack: PolicyPack): BillSplit {
  let total: Decimal = ZERO;
  let fullySelfPaid: Decimal = ZERO;
  let overLimit: Decimal = ZERO;
  let preSelfPay: Decimal = ZERO;
  let outOfCatalog: Decimal = ZERO;
  for (const line of bill.lines) {
    total = total.plus(line.amount);
    if (line.catalogClass === 'C' || line.catalogClass === 'OUT') {
      fullySelfPaid = fullySelfPaid.plus(line.amount);
      if (line.catalogClass === 'OUT') outOfCatalog = outOfCatalog.plus(line.amount);
      continue;
    }
    const over = overLimitOf(line, pack);
    if (!over.isZero()) overLimit = overLimit.plus(over);
    if (line.catalogClass === 'B') {
      const pre = preSelfPayOf(line, over.isZero() ? line.amount : line.amount.minus(over), pack);
      if (!pre.isZero()) preSelfPay = preSelfPay.plus(pre);
    }
  }
  const inScope = total.minus(fullySelfPaid).minus(overLimit).minus(preSelfPay);
  return { total, fullySelfPaid, overLimit, preSelfPay, inScope, outOfCatalog };
}
