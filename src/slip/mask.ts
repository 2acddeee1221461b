import { clusters, composed, hasBase } from './clusters.js';
import { flatten } from './width.js';

/*
 * Masking of personal data on the slip. The slip leaves the hospital in the patient's
 * pocket and lies on counters, so it shows enough for the patient to recognise it as
 * theirs and no more. Characters are counted as clusters (./clusters.ts), not UTF-16
 * units: a rare character outside the BMP (common in names) is masked whole, and so is
 * a letter with its combining accent or an ideograph with its variation selector.
 */

const MASK = '*';

/**
 * Name rule: the first and the last character stay, every character between them is
 * masked (张三丰 → 张*丰, 欧阳明日 → 欧**日). A two-character name keeps its
 * first character (李四 → 李*). A one-character name is masked whole (*), since showing
 * it would show everything. Blanks and invisible characters anywhere in the name are
 * dropped first: 张　三 (a full-width space lining up a two-character name) is 张*, not
 * 张*三 with only the space masked.
 */
export function maskName(name: string): string {
  // A mark or selector with no character before it (a stray accent typed first) is no character of the name.
  const chars = clusters(flatten(name).replaceAll(' ', '')).filter(hasBase).map(composed);
  if (chars.length === 0) return '';
  if (chars.length === 1) return MASK;
  if (chars.length === 2) return chars[0] + MASK;
  return chars[0] + MASK.repeat(chars.length - 2) + chars[chars.length - 1];
}

/**
 * ID-card rule: for a resident ID card (18 characters, or the old 15) the first 6
 * (the issuing region) and the last 4 stay, the birth date and sequence between them
 * are masked: 330302199001011234 → 330302********1234. Any other document number of 8
 * or more characters keeps its first 2 and last 2; a shorter one keeps only its last 1.
 */
export function maskIdNumber(idNumber: string): string {
  const chars = Array.from(idNumber.trim());
  const n = chars.length;
  if (n === 0) return '';
  const [head, tail] = n >= 15 ? [6, 4] : n >= 8 ? [2, 2] : [0, 1];
  return chars.slice(0, head).join('') + MASK.repeat(n - head - tail) + chars.slice(n - tail).join('');
}
