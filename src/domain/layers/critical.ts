import type { Decimal } from 'decimal.js';
import { Money, Rounding, ZERO, max, min, nonNeg, toCents } from '../money.js';
import { dec, decBands, finishPayment, payOnSegment, type DecBand } from '../bands.js';
import type { LayerResult } from '../types.js';
import type { LayerCtx } from './context.js';
import { makeResult, zeroResult } from './explain.js';
import { own } from '../own.js';
import type { CriticalIllnessPolicy } from '../../policies/types.js';

/*
 * Critical-illness insurance (hifmi_pay). One annual deductible and bands given as
 * absolute thresholds on the year's accumulated base; each admission pays for the
 * slice [before, before + this base) of that running total above the deductible
 * (累计计算、分段报销、按次结算). A poverty tilt scales the deductible, adds or sets the
 * ratio and may remove the cap.
 */

interface CiTerms {
  deductible: Decimal;
  bands: DecBand[];
  cap: Decimal | null;
  tilted: boolean;
}

export function ciTerms(p: CriticalIllnessPolicy, category: string | null): CiTerms {
  const general =
    p.deductible.kind === 'fixed' ? dec(p.deductible.amount) : toCents(dec(p.deductible.share).times(p.deductible.incomePrevYear), Rounding.HALF_UP);
  const bands = decBands(p.bands);
  const cap = p.annualCap === null ? null : dec(p.annualCap);
  const tilt = category === null ? undefined : own(p.tilts, category);
  if (tilt === undefined) return { deductible: general, bands, cap, tilted: false };
  const adj = dec(tilt.ratioAdjust.value);
  const tiltedBands =
    tilt.ratioAdjust.kind === 'set' ? [{ from: ZERO, ratio: adj }] : bands.map((b) => ({ from: b.from, ratio: Money.min(1, b.ratio.plus(adj)) }));
  return {
    deductible: toCents(general.times(tilt.deductibleFactor), Rounding.HALF_UP),
    bands: tiltedBands,
    cap: tilt.capRemoved ? null : cap,
    tilted: true,
  };
}

export function criticalIllnessLayer(ctx: LayerCtx, basicDeductible: Decimal): LayerResult {
  const p = ctx.pack.criticalIllness;
  const head = { layer: 'critical_illness', fundCode: p.fundCode, fundName: p.fundName, nationalField: 'hifmi_pay' as const };
  const terms = ciTerms(p, ctx.category);
  const limitBefore = terms.cap === null ? null : nonNeg(terms.cap.minus(ctx.before.ciPaid));
  if (ctx.bill.visitType !== 'inpatient' && !p.includesChronicOutpatient) return zeroResult(head, ZERO, limitBefore, 'NOT_FOR_VISIT_TYPE');

  const base = nonNeg(ctx.pool.inScopeLeft.minus(p.basicDeductibleEntersBase ? ZERO : basicDeductible));
  const runBefore = ctx.before.ciBase;
  const runAfter = runBefore.plus(base);
  const D = terms.deductible;
  const deductible = min(runAfter, D).minus(min(runBefore, D));
  const { applied, raw } = payOnSegment(terms.bands, max(runBefore, D), max(runAfter, D));
  const pay = finishPayment(raw, base, limitBefore);
  const reasons: string[] = [];
  if (terms.tilted) reasons.push('TILT_APPLIED');
  if (base.greaterThan(0) && runAfter.lessThanOrEqualTo(D)) reasons.push('BELOW_DEDUCTIBLE');
  if (pay.capReached) reasons.push('CAP_REACHED');

  const w = ctx.work;
  w.ciBase = w.ciBase.plus(base);
  w.ciDeductibleConsumed = w.ciDeductibleConsumed.plus(deductible);
  w.ciPaid = w.ciPaid.plus(pay.paid);
  ctx.pool.inScopeLeft = ctx.pool.inScopeLeft.minus(pay.paid);
  return makeResult(head, { base, deductible, bands: applied, paid: pay.paid, limitBefore, reasons });
}
