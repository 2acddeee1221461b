import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/*
 * The CJK font embedded in PDF slips: Noto Sans Hans (= Noto Sans CJK SC, SIL Open Font
 * License 1.1) as plain OTF files from the npm package @embedpdf/fonts-sc. Shipping the
 * font inside the PDF (subset to the glyphs used) is what lets a slip print the same on a
 * counter terminal that has no Chinese font installed.
 *
 * The package exports only its JS entry, so the font folder is found next to it. The
 * files are 8 MB each: they are read once per process, on first use.
 */

export type SlipFontWeight = 'regular' | 'bold';

const FILES: Record<SlipFontWeight, string> = {
  regular: 'NotoSansHans-Regular.otf',
  bold: 'NotoSansHans-Bold.otf',
};

const cache = new Map<SlipFontWeight, Buffer>();

function fontDir(): string {
  const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-sc');
  // entry is <package>/dist/index.cjs; the fonts live in <package>/fonts.
  return path.join(path.dirname(entry), '..', 'fonts');
}

export function slipFont(weight: SlipFontWeight): Buffer {
  let buf = cache.get(weight);
  if (!buf) {
    buf = readFileSync(path.join(fontDir(), FILES[weight]));
    cache.set(weight, buf);
  }
  return buf;
}
