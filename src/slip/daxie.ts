import { Money } from '../domain/money.js';

/*
 * Amount in Chinese capital numerals (大写金额), as written on bills and cheques under the
 * usual financial convention (《支付结算办法》 / 会计基础工作规范):
 *
 * - digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, sections 万 亿 (万亿), then 元 角 分;
 * - a leading ten keeps its digit: 10.00 → 壹拾元整 (never 拾元整);
 * - a run of zeros inside the integer part is written as one 零: 1004 → 壹仟零肆元;
 * - 整 follows an amount that ends at 元; an amount that ends at 角 or 分 takes no 整;
 * - 零 stands between 元 and 角 when the 元 digit is 0 (100000.10 → 壹拾万元零壹角), and
 *   between 元 and 分 when 角 is 0 (1004.05 → 壹仟零肆元零伍分); the convention allows
 *   either form in the first case, we always write it because it is harder to alter;
 * - amounts below one yuan start at 角 or 分 (0.05 → 伍分), zero is 零元整;
 * - a negative amount (a reversal) is prefixed 负.
 *
 * Only exact cent amounts are accepted: rounding is the money module's job, so an
 * amount with a third decimal is an error here rather than a silent rounding.
 */

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'] as const;
const IN_GROUP = ['', '拾', '佰', '仟'] as const;
/** Units of each 4-digit group, from the lowest. 16 integer digits is far beyond any bill. */
const SECTIONS = ['', '万', '亿', '万亿'] as const;
const MAX_INTEGER_DIGITS = SECTIONS.length * 4;

function digit(c: string): string {
  return DIGITS[Number(c)] ?? '';
}

/** One 4-digit group ("0000".."9999", left-padded) without leading or trailing 零. */
function groupText(group: string): string {
  let out = '';
  let zeroPending = false;
  for (let i = 0; i < 4; i++) {
    const c = group[i] ?? '0';
    if (c === '0') {
      if (out !== '') zeroPending = true;
      continue;
    }
    if (zeroPending) out += '零';
    zeroPending = false;
    out += digit(c) + IN_GROUP[3 - i];
  }
  return out;
}

/** The integer part (a string of digits without leading zeros, not "0") up to 元 excluded. */
function integerText(integer: string): string {
  const padded = integer.padStart(Math.ceil(integer.length / 4) * 4, '0');
  const groups: string[] = [];
  for (let i = 0; i < padded.length; i += 4) groups.push(padded.slice(i, i + 4));
  let out = '';
  let zeroPending = false;
  groups.forEach((group, i) => {
    const section = SECTIONS[groups.length - 1 - i] ?? '';
    if (group === '0000') {
      if (out !== '') zeroPending = true;
      return;
    }
    // Zeros between the last digit written and this group's first non-zero digit (the end of
    // the previous group, whole zero groups, this group's start) are written as one 零.
    if (out !== '' && (zeroPending || group.startsWith('0'))) out += '零';
    out += groupText(group) + section;
    zeroPending = group.endsWith('0');
  });
  return out;
}

/** Converts an exact cent amount ("1004.05", a Decimal) to 大写 (壹仟零肆元零伍分). */
export function toDaxie(amount: string | Money): string {
  const d = new Money(amount);
  if (!d.isFinite()) throw new RangeError(`not a finite amount: ${String(amount)}`);
  if (d.decimalPlaces() > 2) throw new RangeError(`not a cent amount: ${d.toString()}`);
  const [integer = '0', fraction = '00'] = d.abs().toFixed(2).split('.');
  if (integer.length > MAX_INTEGER_DIGITS) throw new RangeError(`amount too large for 大写: ${d.toFixed(2)}`);
  const jiao = fraction[0] ?? '0';
  const fen = fraction[1] ?? '0';

  if (integer === '0' && jiao === '0' && fen === '0') return '零元整';

  let out = '';
  if (integer !== '0') out += integerText(integer) + '元';
  if (jiao !== '0') {
    if (integer !== '0' && integer.endsWith('0')) out += '零';
    out += digit(jiao) + '角';
  }
  if (fen !== '0') {
    if (integer !== '0' && jiao === '0') out += '零';
    out += digit(fen) + '分';
  }
  if (jiao === '0' && fen === '0') out += '整';
  return (d.isNegative() ? '负' : '') + out;
}
