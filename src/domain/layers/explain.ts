import type { Decimal } from 'decimal.js';
import { fmt } from '../money.js';
import type { BandApplied, LayerResult } from '../types.js';
import type { LayerHead } from './context.js';

/*
 * One Chinese sentence per layer, the 结算过程信息 a cashier reads aloud. It is
 * built only from figures already on the layer result, so it cannot disagree with them.
 */

const REASON_TEXT: Record<string, string> = {
  BELOW_DEDUCTIBLE: '未超过起付线',
  CAP_REACHED: '已达支付限额',
  CATEGORY_NOT_ELIGIBLE: '当前身份不享受此项待遇',
  REFERRAL_REQUIRED: '未经规范转诊不享受此项待遇',
  SETTLED_ON_APPLICATION: '此项待遇依申请另行结算',
  NOT_YET_IN_FORCE: '此项待遇尚未实施',
  NOT_FOR_VISIT_TYPE: '本类就诊不适用此项待遇',
  NO_BASE: '无剩余可支付费用',
  DEDUCTIBLE_REDUCED: '起付线按住院次数递减',
  DEDUCTIBLE_CARRIED: '起付线连续计算',
  TILT_APPLIED: '享受倾斜政策',
};

export function pct(r: Decimal): string {
  return `${r.times(100).toDecimalPlaces(2).toString()}%`;
}

function bandText(bands: readonly BandApplied[]): string {
  if (bands.length === 0) return '';
  return bands.map((b) => `${fmt(b.amount)}元按${pct(b.ratio)}`).join('、');
}

export function explain(name: string, base: Decimal, deductible: Decimal, bands: readonly BandApplied[], paid: Decimal, reasons: readonly string[]): string {
  const parts = [`${name}：计入费用${fmt(base)}元`];
  if (deductible.greaterThan(0)) parts.push(`起付${fmt(deductible)}元`);
  const bt = bandText(bands);
  if (bt) parts.push(bt);
  parts.push(`支付${fmt(paid)}元`);
  for (const r of reasons) if (REASON_TEXT[r]) parts.push(REASON_TEXT[r]!);
  return `${parts.join('，')}。`;
}

export interface ResultParts {
  base: Decimal;
  deductible: Decimal;
  bands: BandApplied[];
  paid: Decimal;
  limitBefore: Decimal | null;
  reasons: string[];
}

/** Assembles a layer result; limitAfter is derived, never computed separately. */
export function makeResult(head: LayerHead, p: ResultParts): LayerResult {
  return {
    layer: head.layer,
    fundCode: head.fundCode,
    fundName: head.fundName,
    nationalField: head.nationalField,
    base: p.base,
    deductibleApplied: p.deductible,
    bands: p.bands,
    limitBefore: p.limitBefore,
    limitAfter: p.limitBefore === null ? null : p.limitBefore.minus(p.paid),
    paid: p.paid,
    reasons: p.reasons,
    // Filled in by withExplanation() for the chosen candidate only: sentences cost time.
    explanation: '',
  };
}

/** A layer that pays nothing for a stated reason (not eligible, not in force …). */
export function zeroResult(head: LayerHead, base: Decimal, limitBefore: Decimal | null, reason: string): LayerResult {
  return makeResult(head, { base, deductible: base.times(0), bands: [], paid: base.times(0), limitBefore, reasons: [reason] });
}

export function withExplanation(l: LayerResult): LayerResult {
  return { ...l, explanation: explain(l.fundName, l.base, l.deductibleApplied, l.bands, l.paid, l.reasons) };
}
