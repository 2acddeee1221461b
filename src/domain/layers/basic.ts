import type { Decimal } from 'decimal.js';
import { Money, Rounding, min, nonNeg, toCents } from '../money.js';
import { dec, decBands, finishPayment, payOnSegment, singleBand } from '../bands.js';
import type { LayerResult } from '../types.js';
import { appliesTo, type LayerCtx } from './context.js';
import { makeResult } from './explain.js';
import type { BasicLayerPolicy } from '../../policies/types.js';

/*
 * Basic medical insurance (hifp_pay) on the in-scope amount: deductible by hospital
 * level (lowered for later admissions, carried across a referral), ratio bands on the
 * admission's in-scope cost, and an annual cap on the fund paid or on cost entering.
 */

/** Deductible factor for this admission: 1, or lowered per earlier admission this year. */
function laterAdmissionFactor(p: BasicLayerPolicy, ctx: LayerCtx): Decimal {
  const rule = p.laterAdmissions;
  const n = ctx.before.inpatientAdmissions;
  if (rule === null || n === 0 || (rule.requiresReferral && !ctx.bill.referral) || !appliesTo(rule.categories, ctx.category)) return new Money(1);
  if (rule.kind === 'table') return new Money(rule.factors[Math.min(n, rule.factors.length - 1)]!);
  const stepped = new Money(1).minus(dec(rule.cutPerAdmission).times(n));
  return Money.max(stepped, rule.floorFactor);
}

function inpatientDeductible(p: BasicLayerPolicy, ctx: LayerCtx, reasons: string[]): Decimal {
  const level = String(ctx.bill.hospital.level) as '1' | '2' | '3';
  const factor = laterAdmissionFactor(p, ctx);
  if (factor.lessThan(1)) reasons.push('DEDUCTIBLE_REDUCED');
  const due = toCents(dec(p.deductibleByLevel[level]).times(factor), Rounding.HALF_UP);
  const carry = ctx.bill.referral && p.referralCarry.enabled && appliesTo(p.referralCarry.categories, ctx.category);
  if (p.deductibleMode === 'annual' || carry) {
    if (carry && ctx.before.basicDeductiblePaid.greaterThan(0)) reasons.push('DEDUCTIBLE_CARRIED');
    return nonNeg(due.minus(ctx.before.basicDeductiblePaid));
  }
  return due;
}

export function basicLayer(ctx: LayerCtx): LayerResult {
  const p = ctx.pack.basic;
  const inpatient = ctx.bill.visitType === 'inpatient';
  const reasons: string[] = [];
  const cap = dec(p.annualCap);
  let entering: Decimal = ctx.split.inScope;
  let limitBefore: Decimal | null = null;
  if (p.capKind === 'cost_entered') {
    const costLeft = nonNeg(cap.minus(ctx.before.basicCostEntered));
    if (entering.greaterThan(costLeft)) reasons.push('CAP_REACHED');
    entering = min(entering, costLeft);
  } else {
    limitBefore = nonNeg(cap.minus(ctx.before.basicPaid));
  }
  const due = inpatient ? inpatientDeductible(p, ctx, reasons) : dec(p.chronicOutpatient.deductiblePerVisit);
  const deductible = min(entering, due);
  if (entering.greaterThan(0) && deductible.equals(entering)) reasons.push('BELOW_DEDUCTIBLE');
  const level = String(ctx.bill.hospital.level) as '1' | '2' | '3';
  const bands = inpatient ? decBands(p.ratioByLevel[level]) : singleBand(p.chronicOutpatient.ratio);
  const { applied, raw } = payOnSegment(bands, deductible, entering);
  const pay = finishPayment(raw, entering.minus(deductible), limitBefore);
  if (pay.capReached) reasons.push('CAP_REACHED');

  const w = ctx.work;
  w.basicPaid = w.basicPaid.plus(pay.paid);
  w.basicCostEntered = w.basicCostEntered.plus(entering);
  if (inpatient) {
    w.inpatientAdmissions += 1;
    w.basicDeductiblePaid = w.basicDeductiblePaid.plus(deductible);
  }
  ctx.pool.inScopeLeft = ctx.split.inScope.minus(pay.paid);
  const head = { layer: 'basic', fundCode: p.fundCode, fundName: p.fundName, nationalField: 'hifp_pay' as const };
  return makeResult(head, { base: entering, deductible, bands: applied, paid: pay.paid, limitBefore, reasons });
}
