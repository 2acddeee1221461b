import { Money, ZERO, min, nonNeg } from '../money.js';
import { dec, decBands, finishPayment, payOnSegment } from '../bands.js';
import type { LayerResult } from '../types.js';
import { appliesTo, poolBase, takeFromPool, type LayerCtx } from './context.js';
import { makeResult, zeroResult } from './explain.js';
import { own } from '../own.js';
import type { ExtraLayerPolicy } from '../../policies/types.js';

/*
 * A region's further layer (Wenzhou's supplementary insurance for low-income rural
 * households, a hospital relief fund, a government back-stop …): its own fund code,
 * eligible categories, per-settlement deductible, bands (on the base after that
 * deductible, like assistance) and annual limit, all data.
 */
export function extraLayer(ctx: LayerCtx, p: ExtraLayerPolicy): LayerResult {
  const head = { layer: p.id, fundCode: p.fundCode, fundName: p.fundName, nationalField: 'oth_pay' as const };
  const paidSoFar = own(ctx.before.extraPaid, p.id) ?? ZERO;
  const limitBefore = p.annualLimit === null ? null : nonNeg(dec(p.annualLimit).minus(paidSoFar));
  if (p.effectiveFrom !== null && ctx.date < p.effectiveFrom) return zeroResult(head, ZERO, limitBefore, 'NOT_YET_IN_FORCE');
  if (!appliesTo(p.categories, ctx.category)) return zeroResult(head, ZERO, limitBefore, 'CATEGORY_NOT_ELIGIBLE');

  const base = poolBase(ctx.pool, p.preSelfPayEntersBase);
  const deductible = min(base, dec(p.deductiblePerSettlement));
  const { applied, raw } = payOnSegment(decBands(p.bands), ZERO, base.minus(deductible));
  const pay = finishPayment(raw, base.minus(deductible), limitBefore);
  const reasons: string[] = [];
  if (base.greaterThan(0) && base.equals(deductible)) reasons.push('BELOW_DEDUCTIBLE');
  if (pay.capReached) reasons.push('CAP_REACHED');
  ctx.work.extraPaid = { ...ctx.work.extraPaid, [p.id]: (own(ctx.work.extraPaid, p.id) ?? ZERO).plus(pay.paid) };
  takeFromPool(ctx.pool, pay.paid, p.preSelfPayEntersBase);
  return makeResult(head, { base, deductible, bands: applied, paid: pay.paid, limitBefore, reasons });
}
