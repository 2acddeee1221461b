import { Decimal } from 'decimal.js';
import { Money, Rounding, ZERO, max, min, nonNeg, toCents } from './money.js';
import type { BandApplied } from './types.js';
import type { Band } from '../policies/types.js';

/*
 * Bands are absolute thresholds on a base: band i covers [from_i, from_{i+1}). A layer
 * pays for the segment [start, end) of that base, so a deductible or a running annual
 * total simply moves `start`. Payments are rounded once, HALF_UP to the cent, and only
 * then clamped to the base and the remaining limit; the residue stays with the patient.
 */

export interface DecBand {
  from: Decimal;
  ratio: Decimal;
}

/* Packs are frozen after loading, so their parsed numbers can be memoised safely. */
const PARSED = new Map<string, Decimal>();
const PARSED_BANDS = new WeakMap<readonly Band[], DecBand[]>();

/** A pack's decimal string as a Decimal, parsed once. */
export function dec(s: string): Decimal {
  let d = PARSED.get(s);
  if (d === undefined) {
    d = new Money(s);
    if (PARSED.size < 10_000) PARSED.set(s, d);
  }
  return d;
}

export function decBands(bands: readonly Band[]): DecBand[] {
  let out = PARSED_BANDS.get(bands);
  if (out === undefined) {
    out = bands.map((b) => ({ from: dec(b.from), ratio: dec(b.ratio) }));
    PARSED_BANDS.set(bands, out);
  }
  return out;
}

export function payOnSegment(bands: readonly DecBand[], start: Decimal, end: Decimal): { applied: BandApplied[]; raw: Decimal } {
  const applied: BandApplied[] = [];
  let raw: Decimal = ZERO;
  for (let i = 0; i < bands.length; i++) {
    const band = bands[i]!;
    const next = bands[i + 1]?.from ?? null;
    const lo = max(start, band.from);
    const hi = next === null ? end : min(end, next);
    if (hi.lessThanOrEqualTo(lo)) continue;
    const amount = hi.minus(lo);
    const paidRaw = amount.times(band.ratio);
    raw = raw.plus(paidRaw);
    applied.push({ from: band.from, to: next, ratio: band.ratio, amount, paidRaw });
  }
  return { applied, raw };
}

/**
 * The largest length x such that paying [start, start + x) stays within `limit`; null
 * when the limit can never be reached (every band from some point pays 0%).
 */
export function baseCoveredByLimit(bands: readonly DecBand[], limit: Decimal, start: Decimal = ZERO): Decimal | null {
  let left: Decimal = limit;
  for (let i = 0; i < bands.length; i++) {
    const band = bands[i]!;
    const next = bands[i + 1]?.from ?? null;
    if (next !== null && next.lessThanOrEqualTo(start)) continue;
    const lo = max(start, band.from);
    const width = next === null ? null : next.minus(lo);
    if (band.ratio.isZero()) {
      if (width === null) return null;
      continue;
    }
    const reach = left.dividedBy(band.ratio);
    if (width === null || reach.lessThanOrEqualTo(width)) return lo.plus(reach).minus(start);
    left = left.minus(width.times(band.ratio));
  }
  return null;
}

export interface Payment {
  paid: Decimal;
  capReached: boolean;
}

/**
 * Round once (HALF_UP to the cent), then never above the base nor the remaining limit.
 * A base with a fraction of a cent clamps to its whole cents (DOWN), so what is paid is
 * always whole cents.
 */
export function finishPayment(raw: Decimal, base: Decimal, limit: Decimal | null): Payment {
  const rounded = min(toCents(raw, Rounding.HALF_UP), toCents(nonNeg(base), Rounding.DOWN));
  if (limit !== null && rounded.greaterThan(limit)) return { paid: nonNeg(limit), capReached: true };
  return { paid: rounded, capReached: false };
}

export function singleBand(ratio: string | Decimal): DecBand[] {
  return [{ from: ZERO, ratio: typeof ratio === 'string' ? dec(ratio) : ratio }];
}
