import { Decimal } from 'decimal.js';
import { Money, Rounding, ZERO, min, toCents } from './money.js';
import type { Bill, BillLine, BillSplit } from './types.js';
import type { PolicyPack } from '../policies/types.js';

/*
 * Splits the bill line by line (domain.md §1). The over-limit and B pre-self-pay parts
 * are rounded to the cent per line (HALF_UP) so that every part is whole cents and
 * total = fullySelfPaid + overLimit + preSelfPay + inScope holds exactly.
 */

interface LineSplit {
  fullySelfPaid: Decimal;
  overLimit: Decimal;
  preSelfPay: Decimal;
  inScope: Decimal;
}

function splitLine(line: BillLine, pack: PolicyPack): LineSplit {
  if (line.catalogClass === 'C' || line.catalogClass === 'OUT') {
    return { fullySelfPaid: line.amount, overLimit: ZERO, preSelfPay: ZERO, inScope: ZERO };
  }
  const ceilingStr = pack.split.priceCeilingByItem[line.itemCode];
  const ceiling = line.priceCeiling ?? (ceilingStr !== undefined ? new Money(ceilingStr) : undefined);
  const overLimit =
    ceiling !== undefined && line.unitPrice.greaterThan(ceiling)
      ? min(line.amount, toCents(line.unitPrice.minus(ceiling).times(line.quantity), Rounding.HALF_UP))
      : ZERO;
  const rest = line.amount.minus(overLimit);
  let preSelfPay: Decimal = ZERO;
  if (line.catalogClass === 'B') {
    const ratio = line.selfPayRatio ?? new Money(pack.split.bSelfPayRatioByItem[line.itemCode] ?? pack.split.bSelfPayRatioDefault);
    preSelfPay = min(rest, toCents(rest.times(ratio), Rounding.HALF_UP));
  }
  return { fullySelfPaid: ZERO, overLimit, preSelfPay, inScope: rest.minus(preSelfPay) };
}

export function splitBill(bill: Bill, pack: PolicyPack): BillSplit {
  let total: Decimal = ZERO;
  let fullySelfPaid: Decimal = ZERO;
  let overLimit: Decimal = ZERO;
  let preSelfPay: Decimal = ZERO;
  let inScope: Decimal = ZERO;
  let outOfCatalog: Decimal = ZERO;
  for (const line of bill.lines) {
    const s = splitLine(line, pack);
    total = total.plus(line.amount);
    fullySelfPaid = fullySelfPaid.plus(s.fullySelfPaid);
    overLimit = overLimit.plus(s.overLimit);
    preSelfPay = preSelfPay.plus(s.preSelfPay);
    inScope = inScope.plus(s.inScope);
    if (line.catalogClass === 'OUT') outOfCatalog = outOfCatalog.plus(line.amount);
  }
  return { total, fullySelfPaid, overLimit, preSelfPay, inScope, outOfCatalog };
}
