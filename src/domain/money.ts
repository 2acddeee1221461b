import { Decimal } from 'decimal.js';

/**
 * Money in this service is always a decimal.js value in code, a decimal string on the
 * wire and `numeric` in PostgreSQL. A JavaScript number never holds a yuan amount.
 *
 * We use a private Decimal clone so that no other module's global configuration can
 * change our precision or rounding behind our back.
 *
 * Precision 40 is kept on purpose. Sums and products of bill amounts are exact far below
 * it, and decimal.js only does rounding work when a result is longer than the precision,
 * so a lower one would not be faster (a profile of bench:engine shows no cost from it);
 * the only long results come from division (the base a limit covers, in the tilt), where
 * fewer digits could move a cent.
 */
export const Money = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Money = Decimal;

/** Rounding modes the service uses, named so a pack or a caller can say which one. */
export const Rounding = {
  /** 四舍五入: the mode every fund payment is rounded with (once, at the end of its layer). */
  HALF_UP: Decimal.ROUND_HALF_UP,
  /** Used to truncate so that a fund never pays a fraction of a cent more than its base. */
  DOWN: Decimal.ROUND_DOWN,
} as const;
export type RoundingMode = (typeof Rounding)[keyof typeof Rounding];

export const ZERO: Money = new Money(0);

const MONEY_RE = /^-?\d{1,12}(\.\d{1,2})?$/;
const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/** Parses a wire amount ("123.45"); rejects anything that is not a plain decimal with at most 2 places. */
export function parseMoney(s: string): Money {
  if (!MONEY_RE.test(s)) throw new RangeError(`not a money amount: ${JSON.stringify(s)}`);
  return new Money(s);
}

/** Parses a plain decimal (quantities, ratios, unit prices with more places). */
export function parseDecimal(s: string): Decimal {
  if (!DECIMAL_RE.test(s)) throw new RangeError(`not a decimal: ${JSON.stringify(s)}`);
  return new Money(s);
}

/**
 * `d` under our configuration. Every decimal.js clone shares one prototype, so
 * `instanceof` cannot tell them apart; the instance's own `constructor` can. Values the
 * engine computes are already Money and are returned as they are (no copy).
 */
function asMoney(d: Decimal): Money {
  return d.constructor === Money ? d : new Money(d);
}

/** Rounds to the cent with an explicit mode. The only place money is rounded. */
export function toCents(d: Decimal, mode: RoundingMode): Money {
  return asMoney(d).toDecimalPlaces(2, mode);
}

/**
 * Canonical wire form: always two decimals, no exponent ("0.00", "1234.50"), rounded half
 * up when `d` has more places. A value with at most two places needs no rounding: its
 * plain string is padded to two places. That is what toFixed(2) answers, without the copy
 * toFixed makes to round; a settlement formats about a hundred amounts. Anything else
 * (more places, a string in exponent form from 10^40 up, NaN, ±Infinity) goes through
 * toFixed(2) as before.
 */
export function fmt(d: Decimal): string {
  const m = asMoney(d);
  if (m.decimalPlaces() <= 2) {
    const s = m.toString();
    if (!s.includes('e')) {
      const dot = s.indexOf('.');
      return dot < 0 ? `${s}.00` : s.length - dot === 2 ? `${s}0` : s;
    }
  }
  return m.toFixed(2);
}

export function sum(xs: readonly Decimal[]): Money {
  return xs.reduce<Money>((a, b) => a.plus(b), ZERO);
}

// Decimals are immutable, so min/max/nonNeg return one of their arguments instead of
// allocating a copy: the engine calls them millions of times in a benchmark run.
export function min(a: Decimal, b: Decimal): Money {
  return a.lessThanOrEqualTo(b) ? a : b;
}

export function max(a: Decimal, b: Decimal): Money {
  return a.greaterThanOrEqualTo(b) ? a : b;
}

/** max(0, x) */
export function nonNeg(x: Decimal): Money {
  return x.isNegative() ? ZERO : x;
}
