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

/** The stored form: upper-case X. */
export const normaliseIdCard = (idCard: string): string => idCard.trim().toUpperCase();
