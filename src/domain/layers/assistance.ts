import type { Decimal } from 'decimal.js';
import { Money, ZERO, min, nonNeg } from '../money.js';
import { dec, decBands, finishPayment, payOnSegment, type DecBand } from '../bands.js';
import type { LayerResult } from '../types.js';
import { poolBase, takeFromPool, type LayerCtx } from './context.js';
import { makeResult, zeroResult } from './explain.js';
import { own } from '../own.js';

/*
 * Medical assistance (maf_pay) on the personal in-scope burden left after basic,
 * critical illness and any layer the pack runs before it. Ratio bands (分段救助) are
 * absolute thresholds on the person's running annual assistance base (after the
 * deductible), the way the critical-illness layer reads its bands on ciBase: Wenzhou
 * asks that the larger the personal burden, the higher the ratio (001 四(二): 个人负担
 * 费用数额越大，救助比例应当越高), and a burden spread over several admissions is no
 * smaller than one admission's. Each settlement pays the slice [before, before + net).
 * The annual limit is one ledger figure shared by inpatient and chronic-outpatient
 * settlements.
 */

/** What the tilt layer needs to know about how assistance went. */
export interface AssistanceOutcome {
  result: LayerResult;
  /** Base after the deductible, and the category's bands and remaining limit; null if not eligible. */
  net: Decimal;
  /** Where this settlement's slice starts on the annual assistance base. */
  start: Decimal;
  bands: DecBand[] | null;
  limitBefore: Decimal | null;
}

export function assistanceLayer(ctx: LayerCtx): AssistanceOutcome {
  const p = ctx.pack.assistance;
  const head = { layer: 'assistance', fundCode: p.fundCode, fundName: p.fundName, nationalField: 'maf_pay' as const };
  const cfg = ctx.category === null ? undefined : own(p.byCategory, ctx.category);
  const base = poolBase(ctx.pool, p.preSelfPayEntersBase);
  if (cfg === undefined) return { result: zeroResult(head, base, null, 'CATEGORY_NOT_ELIGIBLE'), net: ZERO, start: ZERO, bands: null, limitBefore: null };

  const limitBefore = nonNeg(dec(cfg.annualLimit).minus(ctx.before.assistancePaid));
  const deductible = min(base, nonNeg(dec(cfg.deductible).minus(ctx.before.assistanceDeductibleConsumed)));
  const net = base.minus(deductible);
  const bands = decBands(cfg.bands);
  const start = ctx.before.assistanceBase;
  const { applied, raw } = payOnSegment(bands, start, start.plus(net));
  const pay = finishPayment(raw, net, limitBefore);
  const reasons: string[] = [];
  if (base.greaterThan(0) && net.isZero()) reasons.push('BELOW_DEDUCTIBLE');
  if (pay.capReached) reasons.push('CAP_REACHED');

  ctx.work.assistancePaid = ctx.work.assistancePaid.plus(pay.paid);
  ctx.work.assistanceDeductibleConsumed = ctx.work.assistanceDeductibleConsumed.plus(deductible);
  ctx.work.assistanceBase = ctx.work.assistanceBase.plus(net);
  takeFromPool(ctx.pool, pay.paid, p.preSelfPayEntersBase);
  const result = makeResult(head, { base, deductible, bands: applied, paid: pay.paid, limitBefore, reasons });
  return { result, net, start, bands, limitBefore };
}
