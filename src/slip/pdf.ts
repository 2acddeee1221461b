import PDFDocument from 'pdfkit';
import { slipFont, slipFontAscent, slipFontHas, type FallbackFont } from './fonts.js';
import { IGNORABLE, clusters, composed } from './clusters.js';
import { breakLines, type Run } from './lines.js';
import { LABELS as L, type SlipData } from './model.js';
import { QR_QUIET_ZONE, qrMatrix, qrRuns } from './qr.js';

/*
 * The slip as an A5 PDF with the same content and order as the HTML page, drawn with
 * pdfkit (pure JavaScript, embeds and subsets OTF/TTF through fontkit, writes a
 * ToUnicode map so the text can be searched and copied). The CJK font comes from
 * ./fonts.ts. Positions are in points; one cursor `y` moves down the page and a new
 * page starts when a block would cross the bottom margin, so a slip with many funds
 * continues rather than being clipped.
 *
 * Text that may hold any character (names, codes, the registry's and the policy packs'
 * wording) is drawn through `Layout.write`: a character the CJK font lacks is drawn in
 * the first fallback font that has it, as a run of its own on the same line and
 * baseline. A fallback font is embedded only in a slip that uses it, so every other
 * slip's bytes do not depend on the fallback fonts configured.
 */

export interface SlipPdfOptions {
  /** Tried in order for each character the CJK font lacks (SLIP_FALLBACK_FONTS). */
  fallbackFonts?: readonly FallbackFont[];
  /**
   * Told, once per slip, the characters no font had ("U+2020C", in order of first use):
   * they print as the CJK font's blank box.
   */
  onMissingGlyphs?: (codePoints: string[]) => void;
}

const MARGIN_X = 22;
const MARGIN_Y = 20;
const RED = '#cc0000';
/** Noto Sans CJK's natural line height is 1.45 em; slips set text a little tighter. */
const TIGHT = -1.5;

type Doc = PDFKit.PDFDocument;

class Layout {
  y = MARGIN_Y;
  readonly left = MARGIN_X;
  readonly width: number;
  readonly bottom: number;

  /** Characters no font had, in order of first use. */
  readonly missing = new Set<number>();
  private readonly registered = new Set<number>();
  private readonly widths = new Map<string, number>();
  /** Each text's runs, by weight: a cell is measured, then written, with the same text. */
  private readonly runsOf = new Map<string, { runs: readonly Run[]; missing: readonly number[] }>();

  /** `continued` heads every page after the first, so a loose second sheet says whose it is. */
  constructor(readonly doc: Doc, readonly reversed: boolean, readonly continued: string, readonly fallbacks: readonly FallbackFont[] = []) {
    this.width = doc.page.width - 2 * MARGIN_X;
    this.bottom = doc.page.height - MARGIN_Y;
    if (reversed) this.watermark();
  }

  font(bold: boolean, size: number, color = '#000'): Doc {
    return this.doc.font(this.fontName(null, bold)).fontSize(size).fillColor(color);
  }

  /** The registered name of the CJK font (null) of that weight, or of a fallback (its index). */
  private fontName(font: number | null, bold: boolean): string {
    return font === null ? (bold ? 'sc-bold' : 'sc') : this.fallbackName(font);
  }

  /**
   * Wrapped text at (x, y), as `font(...).text(text, x, y, opts)` would draw it, with
   * each character the CJK font lacks drawn in the first fallback font that has it.
   * Text the CJK font draws whole goes through pdfkit unchanged (same bytes as before
   * fallbacks existed). Mixed text is laid out here (see `lines`): pdfkit's own wrapping
   * of `continued` runs would take each run's start as a place to break (Ł|ukasiewicz)
   * and each font's own line height and ascent. Every line of mixed text has the CJK
   * font's height, every run its baseline. The cursor ends below the text, as pdfkit's
   * would.
   */
  write(text: string, bold: boolean, size: number, color: string, x: number, y: number, opts: { width: number; lineGap?: number }): Doc {
    const { runs, missing } = this.runs(text, bold);
    for (const cp of missing) this.missing.add(cp);
    // (The runs' text: a decomposed accent is drawn composed even where the CJK font draws it all.)
    if (runs.length === 1 && runs[0]!.font === null) return this.font(bold, size, color).text(runs[0]!.text, x, y, opts);
    const lineHeight = this.font(bold, size).currentLineHeight(true) + (opts.lineGap ?? 0);
    // pdfkit sets a run's top at y and its baseline one ascent lower; a fallback run is
    // given the CJK font's ascent, so both sit on one baseline.
    const baseline = -slipFontAscent(bold ? 'bold' : 'regular') * size;
    const lines = this.lines(runs, bold, size, opts.width);
    lines.forEach((line, n) => {
      let cx = x;
      for (const piece of line) {
        const width = this.widthOf(piece, bold, size);
        this.fontOf(piece.font, bold, size, color).text(piece.text, cx, y + n * lineHeight, piece.font === null ? { lineBreak: false } : { lineBreak: false, baseline });
        cx += width;
      }
    });
    this.doc.x = x;
    this.doc.y = y + lines.length * lineHeight;
    return this.doc;
  }

  /** Selects the CJK font (null) or a fallback (its index) at that size. */
  private fontOf(font: number | null, bold: boolean, size: number, color = '#000'): Doc {
    return this.doc.font(this.fontName(font, bold)).fontSize(size).fillColor(color);
  }

  private fallbackName(i: number): string {
    const name = `fallback-${i}`;
    if (!this.registered.has(i)) {
      this.doc.registerFont(name, this.fallbacks[i]!.data);
      this.registered.add(i);
    }
    return name;
  }

  /** splitRuns, made once per text and weight. */
  private runs(text: string, bold: boolean): { runs: readonly Run[]; missing: readonly number[] } {
    const key = `${bold ? 'b' : 'r'}|${text}`;
    let split = this.runsOf.get(key);
    if (split === undefined) {
      split = this.splitRuns(text, bold);
      this.runsOf.set(key, split);
    }
    return split;
  }

  /**
   * Splits text into runs by the font that draws each character, taken as a cluster (a
   * base with its marks and selectors, ./clusters.ts) and composed where that helps: a
   * decomposed é is drawn as é, which the CJK font has, not as e and a combining accent,
   * which it lacks. A cluster goes to the first font (the CJK font, then each fallback)
   * that has all of it; else to the first that has its base, and what that font lacks
   * is returned in `missing` (a blank box on paper), as is a character no font has (it
   * stays in the CJK font), or a mark on a blank that the blank's font lacks. Blanks go
   * to the CJK font, which has them (a fallback's blank may be wider). The runs' text is
   * what is drawn.
   */
  private splitRuns(text: string, bold: boolean): { runs: Run[]; missing: number[] } {
    const weight = bold ? 'bold' : 'regular';
    const has = (font: number | null, cp: number) => (font === null ? slipFontHas(weight, cp) : this.fallbacks[font]!.has(cp));
    const fonts: Array<number | null> = [null, ...this.fallbacks.map((_, i) => i)];
    const runs: Run[] = [];
    const missing: number[] = [];
    const drawn = (c: string) => [...c].filter((ch) => !IGNORABLE.test(ch)).map((ch) => ch.codePointAt(0)!);
    const hasAll = (font: number | null, cps: readonly number[]) => cps.every((cp) => has(font, cp));
    for (const raw of clusters(text)) {
      const last = runs[runs.length - 1];
      const rawCps = drawn(raw);
      let cluster = raw;
      let font: number | null = null;
      if (rawCps.length === 0) {
        // Only selectors or joiners (at the very start of a text): nothing of its own to draw.
        font = last ? last.font : null;
      } else if (/^\s/u.test(raw)) {
        if (!hasAll(null, rawCps) && last && hasAll(last.font, rawCps)) font = last.font;
        // A mark on a blank that the font lacks still prints as a box (the blank itself is layout).
        for (const cp of rawCps) if (!/\s/u.test(String.fromCodePoint(cp)) && !has(font, cp)) missing.push(cp);
      } else {
        // Composed first (é), else as given (e + U+0301): the first font with all of either.
        const c = composed(raw);
        const forms = c === raw ? [{ text: raw, cps: rawCps }] : [{ text: c, cps: drawn(c) }, { text: raw, cps: rawCps }];
        let whole: { text: string; font: number | null } | undefined;
        for (const f of forms) {
          const fo = fonts.find((x) => hasAll(x, f.cps));
          if (fo !== undefined) {
            whole = { text: f.text, font: fo };
            break;
          }
        }
        if (whole) [cluster, font] = [whole.text, whole.font];
        else {
          // No font has all of either form: each form in the first font with its base, and
          // of the two the one that draws its base and leaves fewer characters out (ẹ and a
          // box for ẹ̀ in NFD, rather than e and two boxes); its lacking characters are missing.
          const best = forms
            .map((f) => {
              const fo = fonts.find((x) => has(x, f.cps[0]!)) ?? null;
              return { f, fo, lacking: f.cps.filter((cp) => !has(fo, cp)) };
            })
            // A form whose base letter is drawn first (D and a box, not one box for Ḍ), then the fewer boxes.
            .reduce((x, y) => {
              const score = (v: typeof x) => (v.lacking[0] === v.f.cps[0] ? 1000 : 0) + v.lacking.length;
              return score(y) < score(x) ? y : x;
            });
          [cluster, font] = [best.f.text, best.fo];
          missing.push(...best.lacking);
        }
      }
      if (last && last.font === font) last.text += cluster;
      else runs.push({ font, text: cluster });
    }
    return { runs: runs.length > 0 ? runs : [{ font: null, text }], missing };
  }

  /** Mixed-font text broken into lines no wider than `width` (see ./lines.ts). */
  private lines(runs: readonly Run[], bold: boolean, size: number, width: number): Run[][] {
    return breakLines(runs, width, (rs) => rs.reduce((w, r) => w + this.widthOf(r, bold, size), 0));
  }

  /** The width of a run as drawn, cached: measuring selects fonts but draws (and colours) nothing. */
  private widthOf(r: Run, bold: boolean, size: number): number {
    const key = `${r.font ?? (bold ? 'b' : 'r')}|${size}|${r.text}`;
    let w = this.widths.get(key);
    if (w === undefined) {
      w = this.doc.font(this.fontName(r.font, bold)).fontSize(size).widthOfString(r.text);
      this.widths.set(key, w);
    }
    return w;
  }

  /**
   * Height of wrapped text. pdfkit measures from the cursor of the last text drawn and
   * starts a new page when that cursor is near the bottom, even for a measurement; the
   * cursor is moved to the top first so measuring never paginates.
   */
  measure(text: string, bold: boolean, size: number, width: number, lineGap = 0): number {
    const { runs } = this.runs(text, bold);
    text = runs.map((r) => r.text).join('');
    if (runs.length > 1 || runs[0]!.font !== null) {
      // Mixed fonts: as many lines as `write` will draw, each of the CJK font's height.
      return this.lines(runs, bold, size, width).length * (this.font(bold, size).currentLineHeight(true) + lineGap);
    }
    this.doc.x = 0;
    this.doc.y = 0;
    return this.font(bold, size).heightOfString(text, { width, lineGap });
  }

  /** Starts a new page when `height` more points would not fit. */
  room(height: number): void {
    if (this.y + height <= this.bottom) return;
    this.doc.addPage();
    this.y = MARGIN_Y;
    if (this.reversed) this.watermark();
    // The header may wrap (a long hospital name, the settlement id): the rule goes below all of it.
    const headerHeight = this.measure(this.continued, false, 8, this.width);
    this.write(this.continued, false, 8, '#333', this.left, this.y, { width: this.width });
    this.y += headerHeight + 3;
    this.rule(0.6);
    this.y += 3;
  }

  watermark(): void {
    const { doc } = this;
    const cx = doc.page.width / 2;
    const cy = doc.page.height / 2;
    doc.save().rotate(-30, { origin: [cx, cy] }).fillOpacity(0.12);
    this.font(true, 90, RED).text(L.reversed, 0, cy - 60, { width: doc.page.width, align: 'center', characterSpacing: 18, lineBreak: false });
    doc.restore();
  }

  rule(weight = 0.6, dotted = false): void {
    const { doc } = this;
    doc.save().lineWidth(weight).strokeColor(dotted ? '#999' : '#000');
    if (dotted) doc.dash(1, { space: 1.5 });
    doc.moveTo(this.left, this.y).lineTo(this.left + this.width, this.y).stroke().restore();
  }

  heading(text: string): void {
    this.room(17);
    this.y += 3;
    this.doc.save().rect(this.left, this.y + 1, 2.5, 11).fill('#000').restore();
    this.font(true, 10).text(text, this.left + 6, this.y, { lineBreak: false });
    this.y += 14;
  }

  /**
   * A label (wrapping, with an optional smaller note under it) and a right-aligned amount.
   * A full-width row moves to a new page if needed and advances the cursor; a cell of a
   * side-by-side pair (`cell: true`) leaves both to its caller and returns its height.
   */
  amountRow(label: string, amount: string, o: { size?: number; indent?: number; note?: string; x?: number; w?: number; cell?: boolean } = {}): number {
    const size = o.size ?? 11;
    const x = (o.x ?? this.left) + (o.indent ?? 0);
    const w = (o.w ?? this.width) - (o.indent ?? 0);
    const amountW = this.font(true, size).widthOfString(amount) + 6;
    const labelH = this.measure(label, false, 9, w - amountW, TIGHT);
    const noteH = o.note ? this.measure(o.note, false, 7.5, w - amountW, TIGHT) : 0;
    const h = Math.max(labelH + noteH, size * 1.2) + 1.5;
    if (!o.cell) this.room(h);
    this.write(label, false, 9, '#000', x, this.y + 1, { width: w - amountW, lineGap: TIGHT });
    if (o.note) this.write(o.note, false, 7.5, '#222', x, this.y + 1 + labelH, { width: w - amountW, lineGap: TIGHT });
    this.font(true, size).text(amount, x, this.y, { width: w, align: 'right', lineBreak: false });
    if (!o.cell) this.y += h;
    return h;
  }
}

function header(l: Layout, d: SlipData): void {
  const { doc } = l;
  const qrSide = 58;
  const textW = l.width - qrSide - (d.reversal ? 88 : 8);
  l.write(d.hospital.name, true, 13, '#000', l.left, l.y, { width: textW });
  l.font(true, 11).text(L.title, { width: textW });
  l.write(`${L.hospitalCode}：${d.hospital.code}`, false, 9, '#000', l.left, doc.y, { width: textW });
  const textBottom = doc.y;
  drawQr(doc, d.qrPayload, l.left + l.width - qrSide, l.y, qrSide);
  if (d.reversal) {
    const x = l.left + l.width - qrSide - 84;
    doc.save().rotate(-12, { origin: [x + 40, l.y + 26] }).lineWidth(2.2).strokeColor(RED).rect(x, l.y + 10, 80, 30).stroke();
    l.font(true, 19, RED).text(L.reversed, x, l.y + 14, { width: 80, align: 'center', characterSpacing: 4, lineBreak: false });
    doc.restore();
  }
  l.y = Math.max(textBottom, l.y + qrSide) + 3;
  l.rule(1.5);
  l.y += 4;
}

function drawQr(doc: Doc, payload: string, x: number, y: number, side: number): void {
  const m = qrMatrix(payload);
  const unit = side / (m.size + 2 * QR_QUIET_ZONE);
  doc.save().fillColor('#000');
  for (const [row, col, len] of qrRuns(m)) {
    doc.rect(x + (col + QR_QUIET_ZONE) * unit, y + (row + QR_QUIET_ZONE) * unit, len * unit, unit);
  }
  doc.fill().restore();
}

function reversalBanner(l: Layout, d: SlipData): void {
  if (!d.reversal) return;
  const text = `本结算${L.reversed}　${L.reversalReference}：${d.reversal.reference}　${L.reversedAt}：${d.reversal.reversedAt}`;
  const h = l.measure(text, true, 9.5, l.width - 10) + 6;
  l.doc.save().lineWidth(1.5).strokeColor(RED).rect(l.left, l.y, l.width, h).stroke().restore();
  l.write(text, true, 9.5, RED, l.left + 5, l.y + 3, { width: l.width - 10 });
  l.y += h + 4;
}

function info(l: Layout, d: SlipData): void {
  const pairs: Array<[string, string]> = [
    [L.settlementNumber, d.settlement.number], [L.settledAt, d.settlement.settledAt],
    [L.patientName, d.patient.name], [L.idNumber, d.patient.idNumber],
    [L.category, d.categoryLabel], [L.visitType, d.visitTypeLabel],
    [L.admission, d.admissionDate], [L.discharge, d.dischargeDate],
  ];
  const col = l.width / 2;
  for (let i = 0; i < pairs.length; i += 2) {
    const cells = pairs.slice(i, i + 2);
    const heights = cells.map(([, v]) => l.measure(v, true, 9, col - 50));
    const h = Math.max(...heights) + 1;
    l.room(h);
    cells.forEach(([k, v], j) => {
      l.font(false, 9, '#333').text(k, l.left + j * col, l.y, { lineBreak: false });
      l.write(v, true, 9, '#000', l.left + j * col + 48, l.y, { width: col - 50 });
    });
    l.y += h;
  }
}

function bill(l: Layout, d: SlipData): void {
  l.heading(`${L.billHeading}（元）`);
  l.amountRow(L.total, d.bill.total);
  l.rule(0.5, true);
  const half = l.width / 2;
  const pairs: Array<Array<[string, string]>> = [
    [[L.fullySelfPaid, d.bill.fullySelfPaid], [L.overLimit, d.bill.overLimit]],
    [[L.preSelfPay, d.bill.preSelfPay], [L.inScope, d.bill.inScope]],
  ];
  for (const pair of pairs) {
    l.room(16);
    const hs = pair.map(([k, v], j) => l.amountRow(k, v, { size: 10, indent: 10, x: l.left + j * half, w: half - (j === 0 ? 8 : 0), cell: true }));
    l.y += Math.max(...hs);
    l.rule(0.5, true);
  }
}

function funds(l: Layout, d: SlipData): void {
  l.heading(`${L.fundsHeading}（元）`);
  for (const f of d.funds) {
    l.amountRow(`${f.name}  ${f.fundCode}`, f.amount, { note: f.explanation || undefined });
    l.rule(0.5, true);
  }
  l.y += 1;
  l.rule(0.8);
  l.y += 1;
  l.amountRow(L.fundTotal, d.fundTotal);
}

function pays(l: Layout, d: SlipData): void {
  const h = 50;
  l.room(h + 6);
  l.y += 4;
  const { doc } = l;
  doc.save().lineWidth(1.8).strokeColor('#000').rect(l.left, l.y, l.width, h).stroke().restore();
  l.font(true, 13).text(L.patientPays, l.left + 8, l.y + 11, { lineBreak: false });
  l.font(true, 22).text(`¥ ${d.patientPays}`, l.left, l.y + 1, { width: l.width - 8, align: 'right', lineBreak: false });
  // The longest 大写 (twelve integer digits) is wider than the box at 11.5 pt: shrink to fit.
  const daxie = `${L.daxie}：${d.patientPaysDaxie}`;
  const size = Math.min(11.5, (11.5 * (l.width - 16)) / l.font(true, 11.5).widthOfString(daxie));
  l.font(true, size).text(daxie, l.left + 8, l.y + 31, { width: l.width - 16, lineBreak: false });
  l.y += h + 2;
}

function ledger(l: Layout, d: SlipData): void {
  if (d.ledgerAfter.length === 0) return;
  l.heading(L.ledgerHeading);
  for (const line of d.ledgerAfter) l.amountRow(line.label, line.money ? `${line.value}${L.yuan}` : line.value, { size: 9.5 });
}

function footer(l: Layout, d: SlipData): void {
  l.room(16);
  l.y += 3;
  l.rule(0.6);
  l.y += 3;
  l.font(false, 8).text(`${L.settlementId}：${d.qrPayload}`, l.left, l.y, { lineBreak: false });
  l.font(false, 8).text('请核对金额，妥善保管', l.left, l.y, { width: l.width, align: 'right', lineBreak: false });
}

/**
 * Renders the slip as a PDF. The document's dates are the settlement time, not the
 * clock, so the same slip renders to the same bytes.
 */
export function renderSlipPdf(d: SlipData, opts: SlipPdfOptions = {}): Promise<Buffer> {
  const when = new Date(`${d.settlement.settledAt.replace(' ', 'T')}+08:00`);
  const doc = new PDFDocument({
    size: 'A5',
    margin: 0,
    autoFirstPage: true,
    info: { Title: `${L.title} ${d.settlement.number}`, Author: d.hospital.name, Subject: L.title, CreationDate: Number.isNaN(when.getTime()) ? new Date(0) : when },
    lang: 'zh-CN',
    displayTitle: true,
  });
  doc.registerFont('sc', slipFont('regular'));
  doc.registerFont('sc-bold', slipFont('bold'));
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const continued = `${d.hospital.name} ${L.title}（续） ${L.settlementNumber}：${d.settlement.number}${d.reversal ? ` ${L.reversed}` : ''}`;
  const l = new Layout(doc, d.reversal !== null, continued, opts.fallbackFonts);
  header(l, d);
  reversalBanner(l, d);
  info(l, d);
  bill(l, d);
  funds(l, d);
  pays(l, d);
  ledger(l, d);
  footer(l, d);
  if (l.missing.size > 0) opts.onMissingGlyphs?.([...l.missing].map((cp) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`));
  doc.end();
  return done;
}
