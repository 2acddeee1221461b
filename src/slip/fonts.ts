import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as fontkit from 'fontkit';

/*
 * The CJK font embedded in PDF slips: Noto Sans Hans (= Noto Sans CJK SC, SIL Open Font
 * License 1.1) as plain OTF files from the npm package @embedpdf/fonts-sc. Shipping the
 * font inside the PDF (subset to the glyphs used) is what lets a slip print the same on a
 * counter terminal that has no Chinese font installed.
 *
 * The package exports only its JS entry, so the font folder is found next to it. The
 * files are 8 MB each: they are read once per process, on first use.
 *
 * That font has the 20,945 common ideographs but only 51 of the 42,720 of CJK Extension
 * B, and almost none of Extensions C to G, where many rare characters of personal names
 * (生僻字) are; nor Latin letters such as Ł or Š of a foreign resident's name. Fallback
 * fonts (SLIP_FALLBACK_FONTS) are tried in order for each character it lacks; the
 * Docker image sets Debian's HanaMinA and HanaMinB (fonts-hanazono), which between them
 * cover Extensions A to F.
 */

export type SlipFontWeight = 'regular' | 'bold';

const FILES: Record<SlipFontWeight, string> = {
  regular: 'NotoSansHans-Regular.otf',
  bold: 'NotoSansHans-Bold.otf',
};

const cache = new Map<SlipFontWeight, { data: Buffer; font: fontkit.Font }>();

function fontDir(): string {
  const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-sc');
  // entry is <package>/dist/index.cjs; the fonts live in <package>/fonts.
  return path.join(path.dirname(entry), '..', 'fonts');
}

function bundled(weight: SlipFontWeight): { data: Buffer; font: fontkit.Font } {
  let f = cache.get(weight);
  if (!f) {
    const data = readFileSync(path.join(fontDir(), FILES[weight]));
    f = { data, font: fontkit.create(data) as fontkit.Font };
    cache.set(weight, f);
  }
  return f;
}

export function slipFont(weight: SlipFontWeight): Buffer {
  return bundled(weight).data;
}

/** Whether the bundled font of that weight draws the character. */
export function slipFontHas(weight: SlipFontWeight, codePoint: number): boolean {
  return bundled(weight).font.hasGlyphForCodePoint(codePoint);
}

/**
 * The bundled font's ascent in em (its hhea ascender over units per em, as pdfkit reads
 * it): how far below the top of a line its baseline sits. Fallback runs are set on the
 * same baseline, whatever their own ascent.
 */
export function slipFontAscent(weight: SlipFontWeight): number {
  const { font } = bundled(weight);
  return font.ascent / font.unitsPerEm;
}

/** A font the PDF slip falls back to for characters the bundled font lacks. */
export interface FallbackFont {
  /** The file, as configured. */
  readonly file: string;
  readonly data: Buffer;
  has(codePoint: number): boolean;
}

export class FallbackFontError extends Error {
  override name = 'FallbackFontError';
}

/**
 * The files of SLIP_FALLBACK_FONTS: comma-separated, blanks around each ignored, relative
 * paths from `root`.
 */
export function fallbackFontFiles(setting: string, root: string): string[] {
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => path.resolve(root, s));
}

/** The fonts SLIP_FALLBACK_FONTS names, read and checked (see loadFallbackFonts). */
export function configuredFallbackFonts(setting: string, root: string): FallbackFont[] {
  return loadFallbackFonts(fallbackFontFiles(setting, root));
}

/**
 * Reads and parses each fallback font file once, at start: a file that is missing, not
 * readable or not a single TrueType/OpenType font is refused here, by name, rather than
 * on the first slip that needs it. WOFF and WOFF2 (web fonts) parse, but pdfkit cannot
 * subset them into a PDF: they are refused too.
 */
export function loadFallbackFonts(files: readonly string[]): FallbackFont[] {
  return files.map((file) => {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      throw new FallbackFontError(`SLIP_FALLBACK_FONTS: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    let font: fontkit.Font | fontkit.FontCollection;
    try {
      font = fontkit.create(data);
    } catch (e) {
      throw new FallbackFontError(`SLIP_FALLBACK_FONTS: ${file} is not a font file fontkit can read (${e instanceof Error ? e.message : String(e)})`);
    }
    // A collection (.ttc) would need one of its fonts named; pdfkit embeds single fonts.
    if (!('hasGlyphForCodePoint' in font)) throw new FallbackFontError(`SLIP_FALLBACK_FONTS: ${file} is a font collection (${font.type}); name a single .ttf or .otf`);
    // fontkit names both TrueType and CFF-flavoured OpenType 'TTF'.
    if (font.type !== 'TTF') throw new FallbackFontError(`SLIP_FALLBACK_FONTS: ${file} is a ${font.type} web font, which cannot be embedded in a PDF; name a .ttf or .otf`);
    const f = font;
    return { file, data, has: (cp: number) => f.hasGlyphForCodePoint(cp) };
  });
}
