import t, { type Test } from 'tap';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { fileURLToPath } from 'node:url';
import { renderSlipPdf } from '../../src/slip/pdf.js';
import { fallbackFontFiles, loadFallbackFonts } from '../../src/slip/fonts.js';
import type { SlipData } from '../../src/slip/model.js';
import { fullSlip, sampleSlip, slipAmounts } from './helpers/fixture.js';
import { LATIN_FALLBACK } from './helpers/fonts.js';

/** Parses the PDF back with pdf.js: page count, each page's text, the document title. */
async function parse(pdf: Buffer): Promise<{ pages: number; text: string; title: string }> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false }).promise;
  const texts: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    texts.push(content.items.map((it) => ('str' in it ? it.str : '')).join(''));
  }
  const meta = await doc.getMetadata();
  const title = String((meta.info as Record<string, unknown>).Title ?? '');
  await doc.destroy();
  return { pages: doc.numPages, text: texts.join('\n'), title };
}

async function check(t: Test, d: SlipData, reversed: boolean): Promise<void> {
  const pdf = await renderSlipPdf(d);
  t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const raw = pdf.toString('latin1');
  t.ok((raw.match(/\/FontFile3/g) ?? []).length >= 2, 'both weights of the CJK font are embedded');
  t.notMatch(raw, /\/BaseFont\s*\/(Helvetica|Times|Courier)/, 'no standard (non-embedded) font');
  t.match(raw, /\/BaseFont\s*\/[A-Z]{6}\+NotoSansHans-Regular/, 'subset of Noto Sans Hans');
  t.ok(pdf.length < 400_000, `subset keeps the file small (${pdf.length} bytes)`);
  const parsed = await parse(pdf);
  t.equal(parsed.pages, 1, 'fits one A5 page');
  t.equal(parsed.title, `医疗费用一站式结算单 ${d.settlement.number}`);
  for (const amount of slipAmounts(d)) t.ok(parsed.text.includes(amount), `contains ${amount}`);
  for (const s of [d.patientPaysDaxie, d.patient.name, d.patient.idNumber, d.hospital.name, d.categoryLabel, ...d.funds.map((f) => f.fundCode)]) {
    t.ok(parsed.text.includes(s), `contains ${s}`);
  }
  t.equal(parsed.text.includes('已撤销'), reversed, reversed ? 'marked 已撤销' : 'not marked 已撤销');
  if (d.reversal) t.ok(parsed.text.includes(d.reversal.reference), 'shows the reversal reference');
}

t.test('the PDF parses back with every amount, the 大写 and masked identity', async (t) => {
  await check(t, sampleSlip(), false);
});

t.test('a reversed slip with five funds still fits one page and says 已撤销', async (t) => {
  await check(t, fullSlip(), true);
});

t.test('the same slip renders to the same bytes (no clock in the document)', async (t) => {
  const [a, b] = await Promise.all([renderSlipPdf(sampleSlip()), renderSlipPdf(sampleSlip())]);
  t.ok(a.equals(b));
});

t.test('a slip too long for one page continues on a second page instead of being clipped', async (t) => {
  const base = sampleSlip();
  const funds = Array.from({ length: 14 }, (_, i) => ({ ...base.funds[i % 3]!, fundCode: `9${String(i).padStart(5, '0')}` }));
  const parsed = await parse(await renderSlipPdf(sampleSlip({ funds })));
  t.equal(parsed.pages, 2);
  for (const f of funds) t.ok(parsed.text.includes(f.fundCode), `fund ${f.fundCode} printed`);
  t.ok(parsed.text.includes('请核对金额'), 'footer printed');
  t.ok(parsed.text.includes('（续） 结算单号：JS202611230001'), 'the second page says whose slip it continues');
});

t.test('a continuation header that wraps (a long hospital name) keeps the second page’s content below it', async (t) => {
  const base = sampleSlip();
  const funds = Array.from({ length: 14 }, (_, i) => ({ ...base.funds[i % 3]!, fundCode: `9${String(i).padStart(5, '0')}` }));
  const name = '温州医科大学附属第二医院育英儿童医院浙江省儿童医院温州分院（瓯江口院区）';
  const pdf = await renderSlipPdf(sampleSlip({ funds, hospital: { ...base.hospital, name } }));
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false }).promise;
  t.equal(doc.numPages, 2);
  const items = (await (await doc.getPage(2)).getTextContent()).items.flatMap((it) => ('str' in it && it.str.trim() !== '' ? [{ str: it.str, y: it.transform[5] as number }] : []));
  await doc.destroy();
  // PDF y grows upwards. The header ends with the line that says （续）; the content follows.
  const lastHeaderLine = items.find((it) => it.str.includes('（续）'))!.y;
  t.ok(items.some((it) => it.str.includes(name.slice(0, 10)) && it.y > lastHeaderLine + 5), 'the header wraps: the hospital name is on a line above');
  const firstBelow = Math.max(...items.filter((it) => it.y < lastHeaderLine - 0.5).map((it) => it.y));
  t.ok(lastHeaderLine - firstBelow >= 10, `the content starts a full line below the header’s last line (${(lastHeaderLine - firstBelow).toFixed(1)} pt)`);
});

t.test('a character the CJK font lacks is drawn in the first fallback font that has it; one no font has is reported', async (t) => {
  const fallbackFonts = loadFallbackFonts([LATIN_FALLBACK]);
  const base = sampleSlip();
  // A foreign resident's masked name (Šimek → Š***k) and a rare character of CJK Extension B (𡒄, U+21484).
  const d = sampleSlip({ patient: { ...base.patient, name: 'Š***k' }, hospital: { ...base.hospital, name: '温州市第𡒄人民医院' } });
  const reports: string[][] = [];
  const pdf = await renderSlipPdf(d, { fallbackFonts, onMissingGlyphs: (m) => reports.push(m) });
  const raw = pdf.toString('latin1');
  t.match(raw, /\/BaseFont\s*\/[A-Z]{6}\+LiberationSans/, 'the fallback font is embedded (subset)');
  t.same(reports, [['U+21484']], 'reported once, by code point: the Latin fallback has no CJK');
  const parsed = await parse(pdf);
  t.ok(parsed.text.includes('Š***k'), 'the name reads back whole: the fallback run continues the line');
  t.equal(parsed.pages, 1);
  for (const amount of slipAmounts(d)) t.ok(parsed.text.includes(amount), `contains ${amount}`);

  const without: string[][] = [];
  const plain = await renderSlipPdf(d, { onMissingGlyphs: (m) => without.push(m) });
  t.notMatch(plain.toString('latin1'), /LiberationSans/, 'no fallback configured: none embedded');
  t.same(without, [['U+21484', 'U+0160']], 'without a fallback both are reported, in the order drawn (the header first)');
  t.equal((await parse(plain)).pages, 1, 'and the slip is still drawn');
});

t.test('a slip the CJK font draws whole is the same bytes with or without fallback fonts, and reports nothing', async (t) => {
  const reports: string[][] = [];
  const [a, b] = await Promise.all([renderSlipPdf(fullSlip()), renderSlipPdf(fullSlip(), { fallbackFonts: loadFallbackFonts([LATIN_FALLBACK]), onMissingGlyphs: (m) => reports.push(m) })]);
  t.ok(a.equals(b));
  t.same(reports, []);
});

t.test('variation selectors and combining marks stay with their base character', async (t) => {
  const base = sampleSlip();
  const fallbackFonts = loadFallbackFonts([LATIN_FALLBACK]);
  const draw = async (name: string) => {
    const reports: string[][] = [];
    const pdf = await renderSlipPdf(sampleSlip({ patient: { ...base.patient, name } }), { fallbackFonts, onMissingGlyphs: (m) => reports.push(m) });
    return { reports, raw: pdf.toString('latin1') };
  };
  // An ideographic variation sequence (葛 + VS17) selects a glyph and draws nothing itself.
  const ivs = await draw('葛\u{E0100}*亮');
  t.same(ivs.reports, [], 'an ideographic variation selector is not a missing character');
  t.notMatch(ivs.raw, /LiberationSans/, 'nor does it start a run in a fallback font');
  // 张 + U+0301: the CJK font has no combining acute (nor has the fallback): the mark stays
  // with its base, in the CJK font's run, and is reported.
  const mark = await draw('张\u0301*三');
  t.same(mark.reports, [['U+0301']]);
  t.notMatch(mark.raw, /LiberationSans/, 'no run of its own in a fallback font');
});

t.test('fallback font files: listed with commas, checked when loaded', async (t) => {
  t.same(fallbackFontFiles(' a.ttf, /fonts/b.otf ,,', '/srv/app'), ['/srv/app/a.ttf', '/fonts/b.otf']);
  t.same(fallbackFontFiles('', '/srv/app'), []);
  t.throws(() => loadFallbackFonts(['/nonexistent/HanaMinB.ttf']), { name: 'FallbackFontError', message: /cannot read \/nonexistent\/HanaMinB\.ttf \(ENOENT\)/ });
  const notAFont = fileURLToPath(import.meta.url);
  t.throws(() => loadFallbackFonts([notAFont]), { name: 'FallbackFontError', message: new RegExp(`${notAFont.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a font file`) });
  const [f] = loadFallbackFonts([LATIN_FALLBACK]);
  t.equal(f!.family, 'Liberation Sans');
  t.ok(f!.has(0x160) && !f!.has(0x21484));
});
