/*
 * Calendar dates as the service accepts them: "YYYY-MM-DD", a day that exists, in a
 * year from 2000 to 2200. The year range is the ledger's (the database CHECKs policy
 * years in it); a pattern alone lets "2026-02-30" or "0000-01-01" through to
 * PostgreSQL, which then fails with a 500. Pure: no clock, no Date object.
 */

export const YEAR_MIN = 2000;
export const YEAR_MAX = 2200;

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** True when `s` is an existing calendar day "YYYY-MM-DD" with 2000 ≤ year ≤ 2200. */
export function isCalendarDate(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  const m = SHAPE.exec(s);
  if (m === null) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < YEAR_MIN || y > YEAR_MAX || mo < 1 || mo > 12 || d < 1) return false;
  return d <= (mo === 2 && isLeap(y) ? 29 : DAYS[mo - 1]!);
}

/** The day after `d` ("2020-02-28" → "2020-02-29", "2020-12-31" → "2021-01-01"). */
export function nextDay(d: string): string {
  let y = Number(d.slice(0, 4));
  let m = Number(d.slice(5, 7));
  let day = Number(d.slice(8, 10)) + 1;
  if (day > (m === 2 && isLeap(y) ? 29 : (DAYS[m - 1] ?? 31))) {
    day = 1;
    m += 1;
  }
  if (m === 13) {
    m = 1;
    y += 1;
  }
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A text field PostgreSQL can store: `text` cannot hold NUL. */
export function hasNul(s: string): boolean {
  return s.includes('\u0000');
}
