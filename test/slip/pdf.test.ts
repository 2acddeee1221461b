import t, { type Test } from 'tap';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSlipPdf } from '../../src/slip/pdf.js';
import { fallbackFontFiles, loadFallbackFonts } from '../../src/slip/fonts.js';
import type { SlipData } from '../../src/slip/model.js';
import { fullSlip, sampleSlip, slipAmounts } from './helpers/fixture.js';
import { LATIN_FALLBACK, woffOf } from './helpers/fonts.js';

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

t.test('a name stored decomposed is drawn composed, in the font that has the whole letter', async (t) => {
  const base = sampleSlip();
  const draw = async (name: string, fallbackFonts = loadFallbackFonts([LATIN_FALLBACK])) => {
    const reports: string[][] = [];
    const pdf = await renderSlipPdf(sampleSlip({ patient: { ...base.patient, name } }), { fallbackFonts, onMissingGlyphs: (m) => reports.push(m) });
    return { reports, raw: pdf.toString('latin1'), text: (await parse(pdf)).text };
  };
  // NFD José and Nguyễn: the CJK font has é and ễ but no combining accents.
  const nfd = await draw('Jose\u0301 Nguye\u0302\u0303n', []);
  t.same(nfd.reports, [], 'nothing missing: no fallback font needed');
  t.ok(nfd.text.includes('José Nguyễn'), 'and it reads back composed');
  // S + caron: the CJK font has neither Š nor U+030C; the Latin fallback has Š.
  const caron = await draw('S\u030Cimek');
  t.same(caron.reports, []);
  t.match(caron.raw, /\/BaseFont\s*\/[A-Z]{6}\+LiberationSans/);
  t.ok(caron.text.includes('Šimek'));
  // D + dot below: no font here has Ḍ nor U+0323: the D is drawn and only the dot is reported.
  const dot = await draw('D\u0323ev');
  t.same(dot.reports, [['U+0323']]);
  t.ok(dot.text.includes('D'), 'the letter itself is drawn');
  // Yoruba ẹ̀ in NFD: no font here has ẹ̀ nor U+0300; ẹ (composed as far as it goes) is in the
  // CJK font, so one box, as for the same name stored composed, not e and two.
  const partial = await draw('Ade\u0323\u0300', []);
  const partialNfc = await draw('Ade\u0323\u0300'.normalize('NFC'), []);
  t.same(partial.reports, [['U+0300']]);
  t.same(partialNfc.reports, [['U+0300']]);
  // A mark on a blank is a box too; the blank itself (or a newline) is layout, never reported.
  t.same((await draw('Ana \u0301b\nc', [])).reports, [['U+0301']]);
});

t.test('fallback font files: listed with commas, checked when loaded', async (t) => {
  t.same(fallbackFontFiles(' a.ttf, /fonts/b.otf ,,', '/srv/app'), ['/srv/app/a.ttf', '/fonts/b.otf']);
  t.same(fallbackFontFiles('', '/srv/app'), []);
  t.throws(() => loadFallbackFonts(['/nonexistent/HanaMinB.ttf']), { name: 'FallbackFontError', message: /cannot read \/nonexistent\/HanaMinB\.ttf \(ENOENT\)/ });
  const notAFont = fileURLToPath(import.meta.url);
  t.throws(() => loadFallbackFonts([notAFont]), { name: 'FallbackFontError', message: new RegExp(`${notAFont.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a font file`) });
  const [f] = loadFallbackFonts([LATIN_FALLBACK]);
  t.ok(f!.has(0x160) && !f!.has(0x21484));
  // A web font parses, but pdfkit cannot subset it into a PDF: refused at start, not on a slip.
  const dir = await mkdtemp(path.join(tmpdir(), 'slip-woff-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const woff = path.join(dir, 'LiberationSans-Regular.woff');
  await writeFile(woff, woffOf(await readFile(LATIN_FALLBACK)));
  t.throws(() => loadFallbackFonts([woff]), { name: 'FallbackFontError', message: /LiberationSans-Regular\.woff is a WOFF web font/ });
});

/** Each text item of a page: its text, where its baseline starts (PDF points, y upwards) and its width. */
async function textItems(pdf: Buffer, page = 1): Promise<Array<{ str: string; x: number; y: number; width: number }>> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false }).promise;
  const items = (await (await doc.getPage(page)).getTextContent()).items.flatMap((it) =>
    'str' in it && it.str !== '' ? [{ str: it.str, x: it.transform[4] as number, y: it.transform[5] as number, width: it.width }] : [],
  );
  await doc.destroy();
  return items;
}

t.test('a fallback run continues its line: same baseline, starting where the text before it ends', async (t) => {
  const base = sampleSlip();
  const pdf = await renderSlipPdf(sampleSlip({ patient: { ...base.patient, name: '李Š***k' } }), { fallbackFonts: loadFallbackFonts([LATIN_FALLBACK]) });
  const items = await textItems(pdf);
  const at = (s: string) => {
    const i = items.findIndex((it) => it.str === s);
    t.ok(i >= 0, `an item ${s}`);
    return items[i]!;
  };
  const [li, s, rest] = [at('李'), at('Š'), at('***k')];
  // Liberation Sans' ascent (0.905 em) is not Noto's (0.88): drawn at its own, Š would sit 0.2 pt low.
  t.ok(Math.abs(s.y - li.y) < 0.01 && Math.abs(rest.y - li.y) < 0.01, `one baseline (${li.y}, ${s.y}, ${rest.y})`);
  t.ok(Math.abs(s.x - (li.x + li.width)) < 0.01, 'Š starts where 李 ends');
  t.ok(Math.abs(rest.x - (s.x + s.width)) < 0.01, 'and ***k where Š ends');
});

t.test('mixed-font text wraps between words, never inside one, and every line keeps the CJK font’s height', async (t) => {
  const base = sampleSlip();
  const fallbackFonts = loadFallbackFonts([LATIN_FALLBACK]);
  // Polish hospital-style words whose first letter only the fallback has: a break at each change of font would split them.
  const words = ['Łukasiewicz', 'Świętokrzyskie', 'Żółkiewski', 'Łódź', 'Śniadecki', 'Źródło', 'Łańcut', 'Ślężański', 'Żywiec', 'Łęczyca'];
  const mixed = words.join(' ');
  const pdf = await renderSlipPdf(sampleSlip({ hospital: { ...base.hospital, name: mixed } }), { fallbackFonts });
  const items = await textItems(pdf);
  const top = Math.max(...items.map((it) => it.y));
  const ys = [...new Set(items.filter((it) => it.y > top - 80).map((it) => Math.round(it.y * 100) / 100))].sort((a, b) => b - a);
  const lineText = (y: number) => items.filter((it) => Math.abs(it.y - y) < 0.01).sort((a, b) => a.x - b.x).map((it) => it.str).join('');
  const nameLines = ys.filter((y) => words.some((w) => lineText(y).includes(w.slice(1, 4))));
  t.ok(nameLines.length >= 2, `the name wraps (${nameLines.length} lines)`);
  const printed = nameLines.map(lineText);
  for (const w of words) t.ok(printed.some((l) => l.includes(w)), `${w} whole on one line`);
  t.same(printed.join(' ').split(/\s+/).filter((x) => x !== ''), words, 'every word once, in order');
  // The same header in the CJK font alone (a name of as many lines) is the reference pitch.
  const plain = await textItems(await renderSlipPdf(sampleSlip({ hospital: { ...base.hospital, name: '温州医科大学附属第二医院育英儿童医院浙江省儿童医院温州分院瓯江口院区温州医科大学附属第二医院' } })));
  const plainYs = [...new Set(plain.filter((it) => it.str.includes('医院')).map((it) => it.y))].sort((a, b) => b - a);
  t.ok(plainYs.length >= 2, 'the reference wraps too');
  const pitch = plainYs[0]! - plainYs[1]!;
  for (let i = 1; i < nameLines.length; i++) t.ok(Math.abs(nameLines[i - 1]! - nameLines[i]! - pitch) < 0.02, `line ${i + 1} is one CJK line below (${(nameLines[i - 1]! - nameLines[i]!).toFixed(2)} vs ${pitch.toFixed(2)})`);
  // What follows the name (the title) starts one line below its last line, as after a CJK-only name.
  const title = items.find((it) => it.str.includes('医疗费用一站式结算单'))!;
  const plainTitle = plain.find((it) => it.str.includes('医疗费用一站式结算单'))!;
  t.ok(Math.abs(nameLines[nameLines.length - 1]! - title.y - (plainYs[plainYs.length - 1]! - plainTitle.y)) < 0.02, 'the title follows at the same distance');
});

t.test('a mixed-font value that wraps is measured as drawn: the next row starts below its last line', async (t) => {
  const base = sampleSlip();
  const name = 'Łukasiewicz-Świętokrzyska Żółkiewska-Śniadecka Łańcucka';
  const pdf = await renderSlipPdf(sampleSlip({ patient: { ...base.patient, name } }), { fallbackFonts: loadFallbackFonts([LATIN_FALLBACK]) });
  const items = await textItems(pdf);
  const nameYs = [...new Set(items.filter((it) => /[ŁŚŻukasiewczżółkńd]/u.test(it.str) && it.x > 60 && it.x < 200).map((it) => it.y))].sort((a, b) => b - a);
  t.ok(nameYs.length >= 2, `the name wraps in its cell (${nameYs.length} lines)`);
  const nextRow = items.find((it) => it.str === '人员类别')!;
  const last = nameYs[nameYs.length - 1]!;
  t.ok(last - nextRow.y >= 9, `人员类别 is a line below the name's last line (${(last - nextRow.y).toFixed(1)} pt)`);
});

t.test('a word wider than its line is cut between characters, keeping a mark with its letter', async (t) => {
  const base = sampleSlip();
  // One 60-letter word with Ł + combining dot (U+0307) in it: no break opportunity anywhere.
  const word = 'Ł\u0307ukasiewiczowna'.repeat(4);
  const pdf = await renderSlipPdf(sampleSlip({ hospital: { ...base.hospital, name: word } }), { fallbackFonts: loadFallbackFonts([LATIN_FALLBACK]) });
  const items = await textItems(pdf);
  const ys = [...new Set(items.filter((it) => /[Łukasiewczon]/.test(it.str)).map((it) => Math.round(it.y * 100) / 100))];
  t.ok(ys.length >= 2, `cut over ${ys.length} lines`);
  const joined = ys.sort((a, b) => b - a).map((y) => items.filter((it) => Math.abs(it.y - y) < 0.01).sort((a, b) => a.x - b.x).map((it) => it.str).join('')).join('');
  // Neither font draws U+0307 (it is reported missing); pdf.js reads the blank glyph drawn for it as U+0000.
  t.ok(joined.replace(/\u0000/g, '\u0307').includes(word), 'nothing lost or reordered, the mark right after its letter');
});

t.test('a joiner or variation selector at the very start of a text is not a missing character', async (t) => {
  const base = sampleSlip();
  const reports: string[][] = [];
  await renderSlipPdf(sampleSlip({ patient: { ...base.patient, name: '\u200d张*三\ufe00' } }), { fallbackFonts: loadFallbackFonts([LATIN_FALLBACK]), onMissingGlyphs: (m) => reports.push(m) });
  t.same(reports, []);
});
