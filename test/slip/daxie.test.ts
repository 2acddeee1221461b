import t from 'tap';
import fc from 'fast-check';
import { toDaxie } from '../../src/slip/daxie.js';
import { Money } from '../../src/domain/money.js';

t.test('the edge values of the financial convention', async (t) => {
  const table: Array<[string, string]> = [
    ['0.00', '零元整'],
    ['0.01', '壹分'],
    ['0.05', '伍分'],
    ['0.10', '壹角'],
    ['0.55', '伍角伍分'],
    ['1.00', '壹元整'],
    ['1.05', '壹元零伍分'],
    ['1.50', '壹元伍角'],
    ['10.00', '壹拾元整'],
    ['10.05', '壹拾元零伍分'],
    ['10.50', '壹拾元零伍角'],
    ['11.00', '壹拾壹元整'],
    ['19.99', '壹拾玖元玖角玖分'],
    ['100.00', '壹佰元整'],
    ['101.00', '壹佰零壹元整'],
    ['110.00', '壹佰壹拾元整'],
    ['1004.05', '壹仟零肆元零伍分'],
    ['1000.05', '壹仟元零伍分'],
    ['1010.10', '壹仟零壹拾元零壹角'],
    ['10000.00', '壹万元整'],
    ['10001.00', '壹万零壹元整'],
    ['10010.00', '壹万零壹拾元整'],
    ['11000.00', '壹万壹仟元整'],
    ['100000.10', '壹拾万元零壹角'],
    ['100010.00', '壹拾万零壹拾元整'],
    ['1000000.00', '壹佰万元整'],
    ['1010000.00', '壹佰零壹万元整'],
    ['1001000.00', '壹佰万零壹仟元整'],
    ['1100000.00', '壹佰壹拾万元整'],
    ['20000300.00', '贰仟万零叁佰元整'],
    ['10000001.00', '壹仟万零壹元整'],
    ['5589.33', '伍仟伍佰捌拾玖元叁角叁分'],
    ['100000000.00', '壹亿元整'],
    ['100001000.00', '壹亿零壹仟元整'],
    ['100100000.00', '壹亿零壹拾万元整'],
    ['1000100000.00', '壹拾亿零壹拾万元整'],
    ['999999999999.99', '玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分'],
    ['-10.00', '负壹拾元整'],
    ['-0.05', '负伍分'],
    ['-1004.05', '负壹仟零肆元零伍分'],
    ['-0.00', '零元整'],
    ['7', '柒元整'],
    ['7.5', '柒元伍角'],
  ];
  for (const [amount, expected] of table) t.equal(toDaxie(amount), expected, amount);
});

t.test('a Decimal is accepted as well as a string', async (t) => {
  t.equal(toDaxie(new Money('20.20')), '贰拾元零贰角');
});

t.test('amounts that are not exact cents or are out of range are refused, not rounded', async (t) => {
  t.throws(() => toDaxie('0.001'), RangeError);
  t.throws(() => toDaxie('12.345'), RangeError);
  t.throws(() => toDaxie('10000000000000000.00'), RangeError);
  t.throws(() => toDaxie(new Money(NaN)), RangeError);
  t.throws(() => toDaxie('abc'));
});

/** An independent reading of 大写 back into cents, to check the writer on random amounts. */
function parseDaxie(s: string): bigint {
  const digits = '零壹贰叁肆伍陆柒捌玖';
  let sign = 1n;
  if (s.startsWith('负')) { sign = -1n; s = s.slice(1); }
  let total = 0n, section = 0n, current = 0n;
  for (const ch of s) {
    const d = digits.indexOf(ch);
    if (d >= 0) { current = BigInt(d); continue; }
    switch (ch) {
      case '拾': section += current * 10n; current = 0n; break;
      case '佰': section += current * 100n; current = 0n; break;
      case '仟': section += current * 1000n; current = 0n; break;
      case '万': total += (section + current) * 10000n; section = 0n; current = 0n; break;
      case '亿': total = (total + section + current) * 100000000n; section = 0n; current = 0n; break;
      case '元': total += section + current; total *= 100n; section = 0n; current = 0n; break;
      case '角': total += current * 10n; current = 0n; break;
      case '分': total += current; current = 0n; break;
      case '整': break;
      default: throw new Error(`unexpected ${ch}`);
    }
  }
  return sign * total;
}

t.test('any amount reads back to itself and follows the shape rules', async (t) => {
  fc.assert(
    fc.property(fc.bigInt({ min: -99999999999999n, max: 99999999999999n }), (cents) => {
      const abs = cents < 0n ? -cents : cents;
      const amount = `${cents < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
      const s = toDaxie(amount);
      if (parseDaxie(s) !== cents) return false;
      if (cents === 0n) return s === '零元整';
      if (/零零|零元|零[万亿]|^负?零|零$/.test(s)) return false;
      // 整 exactly when the amount ends at 元.
      return s.endsWith('整') === (abs % 100n === 0n);
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 random amounts round-trip');
});
