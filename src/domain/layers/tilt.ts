import type { Decimal } from 'decimal.js';
import { Money, ZERO, min, nonNeg } from '../money.js';
import { dec, baseCoveredByLimit, finishPayment, payOnSegment, singleBand } from '../bands.js';
import type { LayerResult } from '../types.js';
import { poolBase, takeFromPool, type LayerCtx } from './context.js';
import { makeResult, zeroResult } from './explain.js';
import { own } from '../own.js';
import type { AssistanceOutcome } from './assistance.js';
import type { TiltPolicy } from '../../policies/types.js';

/*
 * Tilted (second) assistance, reported in oth_pay. Qiannan pays it only to referred
 * patients and only on the "high cost above the assistance limit": the part of the
 * assistance base beyond what the remaining assistance limit could reach at the
 * category's ratios. That part received no assistance, so nothing is paid twice.
 */

function tiltBase(t: TiltPolicy, ctx: LayerCtx, assist: AssistanceOutcome, includesPre: boolean): Decimal {
  const left = poolBase(ctx.pool, includesPre);
  if (t.baseKind === 'remaining') return left;
  if (assist.bands === null || assist.limitBefore === null) return ZERO;
  const covered = baseCoveredByLimit(assist.bands, assist.limitBefore, assist.start);
  return covered === null ? ZERO : min(left, nonNeg(assist.net.minus(covered)));
}

export function tiltLayer(ctx: LayerCtx, assist: AssistanceOutcome): LayerResult | null {
  const t = ctx.pack.tilt;
  if (t === null) return null;
  const head = { layer: 'tilt', fundCode: t.fundCode, fundName: t.fundName, nationalField: 'oth_pay' as const };
  const limit = dec(t.limit);
  const limitBefore = t.limitKind === 'annual' ? nonNeg(limit.minus(ctx.before.tiltPaid)) : limit;
  const ratio = ctx.category === null ? undefined : own(t.ratioByCategory, ctx.category);
  if (ratio === undefined) return zeroResult(head, ZERO, limitBefore, 'CATEGORY_NOT_ELIGIBLE');
  if (t.requiresReferral && !ctx.bill.referral) return zeroResult(head, ZERO, limitBefore, 'REFERRAL_REQUIRED');
  const includesPre = ctx.pack.assistance.preSelfPayEntersBase;
  const base = tiltBase(t, ctx, assist, includesPre);
  if (!t.settledAtCounter) return zeroResult(head, base, limitBefore, 'SETTLED_ON_APPLICATION');

  const deductible = min(base, dec(t.deductiblePerSettlement));
  const { applied, raw } = payOnSegment(singleBand(ratio), deductible, base);
  const pay = finishPayment(raw, base.minus(deductible), limitBefore);
  const reasons: string[] = [];
  if (base.isZero()) reasons.push('NO_BASE');
  else if (base.equals(deductible)) reasons.push('BELOW_DEDUCTIBLE');
  if (pay.capReached) reasons.push('CAP_REACHED');
  ctx.work.tiltPaid = ctx.work.tiltPaid.plus(pay.paid);
  takeFromPool(ctx.pool, pay.paid, includesPre);
  return makeResult(head, { base, deductible, bands: applied, paid: pay.paid, limitBefore, reasons });
}
