import t from 'tap';
import fc from 'fast-check';
import { renderSlipText } from '../../src/slip/text.js';
import { textWidth, wrap } from '../../src/slip/width.js';
import type { SlipData } from '../../src/slip/model.js';
import { sampleSlip, slipAmounts } from './helpers/fixture.js';

t.test('Han characters and ambiguous symbols take two columns', async (t) => {
  t.equal(textWidth('abc'), 3);
  t.equal(textWidth('医疗费'), 6);
  t.equal(textWidth('（元）'), 6);
  t.equal(textWidth('×'), 2);
  t.equal(textWidth('𠮷'), 2);
});

t.test('wrapping never exceeds the width and keeps every visible character', async (t) => {
  t.same(wrap('起付线800.00元，政策范围内按70%支付', 10), ['起付线', '800.00元，', '政策范围内', '按70%支付']);
  t.same(wrap('', 10), ['']);
  // Punctuation that may not start a line takes the whole figure before it down, never half of it.
  t.same(wrap('元按70%，支付', 7), ['元按', '70%，支', '付']);
  t.same(wrap('a\tb\nc\u200bd', 10), ['a b c d']);
  t.same(wrap('头孢\u00ad曲松 Amoxi\u00adcillin \u200eX\u200dY', 40), ['头孢曲松 Amoxicillin XY'], 'a soft hyphen, a joiner or a bidi mark is no space: the word stays whole');
  t.throws(() => wrap('x', 1), RangeError);
});

for (const width of [48, 80]) {
  t.test(`the ${width}-column slip carries every amount and fits the paper`, async (t) => {
    const d = sampleSlip();
    const text = renderSlipText(d, width);
    const lines = text.split('\n');
    t.equal(lines.at(-1), '', 'ends with a newline');
    for (const line of lines) t.ok(textWidth(line) <= width, `fits: ${line}`);
    for (const amount of slipAmounts(d)) t.match(text, amount, `shows ${amount}`);
    t.match(text, '伍仟伍佰捌拾玖元叁角叁分');
    t.match(text, '张*三');
    t.match(text, '330302********1234');
    t.notMatch(text, '已撤销');
    // The amount is right-aligned at the paper's edge.
    t.ok(lines.some((l) => l.startsWith('个人支付') && l.endsWith(' 5589.33') && textWidth(l) === width));
  });
}

t.test('a reversed slip says so at the top and the bottom with the reversal reference', async (t) => {
  const text = renderSlipText(sampleSlip({ reversal: { reference: 'CX202611240003', reversedAt: '2026-11-24 09:00:00' } }), 48);
  const lines = text.split('\n');
  t.ok(lines.slice(0, 6).some((l) => l.includes('已撤销')), 'mark near the top');
  t.match(text, '撤销单号：CX202611240003');
  t.match(text, '撤销时间：2026-11-24 09:00:00');
  t.match(text, /本结算已撤销，撤销单号 CX202611240003/);
});

t.test('a width below the supported minimum is refused', async (t) => {
  t.throws(() => renderSlipText(sampleSlip(), 20), RangeError);
});

/** Random printable text: Han, Latin, digits, full-width punctuation, emoji, control characters. */
const messyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('医', '疗', '救', '助', '，', '（', '）', '%', '×', '·', '—', '𠮷', '😀', '\t', '\n', '\u200b', ' ', 'é'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCodePoint(c)),
  ),
  maxLength: 200,
});
const cents = fc.bigInt({ min: -99999999999999n, max: 99999999999999n }).map((c) => {
  const abs = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
});

t.test('no line ever exceeds the width, whatever the explanations and amounts', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(48, 80),
      fc.array(fc.record({ name: messyText, fundCode: fc.string({ maxLength: 12 }), amount: cents, explanation: messyText }), { maxLength: 6 }),
      cents,
      messyText,
      fc.option(fc.record({ reference: messyText, reversedAt: messyText }), { nil: null }),
      (width, funds, patientPays, hospitalName, reversal) => {
        const d: SlipData = sampleSlip({ funds, patientPays, reversal, hospital: { name: hospitalName, code: 'H1' } });
        const text = renderSlipText(d, width);
        for (const line of text.split('\n')) if (textWidth(line) > width) return false;
        // Amounts are never cut: each appears whole.
        return funds.every((f) => text.includes(f.amount)) && text.includes(patientPays);
      },
    ),
    { numRuns: 500 },
  );
  t.pass('500 random slips fit');
});

t.test('a line never starts with closing punctuation, and a run of it still fits', async (t) => {
  t.same(wrap('一二三四五，六', 10), ['一二三四', '五，六']);
  t.same(wrap('一二三四）。', 10), ['一二三', '四）。']);
  const run = wrap('一' + '，'.repeat(30), 10);
  for (const line of run) t.ok(textWidth(line) <= 10, line);
  t.equal(run.join(''), '一' + '，'.repeat(30));
});

t.test('control characters from the registry never reach the printer, at either width', async (t) => {
  const d = sampleSlip({ patient: { ...sampleSlip().patient, name: '张*\u001b[2J' }, categoryLabel: '低保\r\n对象', admissionDate: '2026-06-01\u0007' });
  for (const width of [48, 80]) {
    const text = renderSlipText(d, width);
    t.notMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f\u200b-\u200f\u202a-\u202e]/u, `${width} columns: no control or format character but the line breaks`);
    t.match(text, '张* [2J', `${width} columns: the name is printed, the ESC flattened to a space`);
  }
});

t.test('an amount beside a label that wraps is printed on the label’s last line', async (t) => {
  const base = sampleSlip();
  const fund = { ...base.funds[0]!, name: '城乡居民基本医疗保险统筹基金本年度剩余额度', fundCode: '390100', amount: '293717.50' };
  const text = renderSlipText(sampleSlip({ funds: [fund, ...base.funds.slice(1)] }), 48);
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes('293717.50'));
  t.ok(at > 0, 'printed');
  t.match(lines[at], /\(390100\)\s+293717\.50$/, `the amount closes the label: ${JSON.stringify(lines.slice(at - 1, at + 1))}`);
  t.match(lines[at - 1], /城乡居民/, 'the label began on the line above');
});
