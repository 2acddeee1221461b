import { isCivilDate } from './dates.js';

/*
 * Resident ID-card numbers (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check
 * character (0-9 or X). Digits 7–14 are the birth date, which must be a real date.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK = '10X98765432';

export function idCardCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** Why an ID-card number is invalid, or null when it is valid. A lower-case x is accepted. */
export function idCardProblem(idCard: string): string | null {
  const s = idCard.toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return 'must be 17 digits and a check digit (0-9 or X)';
  const birth = `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`;
  if (!isCivilDate(birth)) return `birth date ${birth} is not a real date`;
  const want = idCardCheckChar(s.slice(0, 17));
  if (s[17] !== want) return `check digit is ${s[17]}, GB 11643 MOD 11-2 gives ${want}`;
  return null;
}

/**
 * The stored form: 18 characters, upper-case X. An old 15-digit card (issued before
 * 1999: six region digits, a two-digit birth year of the 1900s, month, day, a
 * three-digit sequence, no check digit) becomes the 18-character number that replaced
 * it: "19" inserted before the year and the MOD 11-2 check character appended.
 */
export function normaliseIdCard(idCard: string): string {
  const s = idCard.trim().toUpperCase();
  if (!/^\d{15}$/.test(s)) return s;
  const first17 = `${s.slice(0, 6)}19${s.slice(6)}`;
  return first17 + idCardCheckChar(first17);
}

/**
 * The n-th of ten million valid, made-up ID-card numbers (region 34xxxx, born
 * 1990-01-01), for seeding tests and benchmarks, where every person needs a card of
 * its own.
 */
export function syntheticIdCard(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 10_000_000) throw new RangeError(`syntheticIdCard: ${n} is not in 0 … 9,999,999`);
  const first17 = `34${String(Math.floor(n / 1000)).padStart(4, '0')}19900101${String(n % 1000).padStart(3, '0')}`;
  return first17 + idCardCheckChar(first17);
}
