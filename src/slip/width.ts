import { eastAsianWidth } from 'get-east-asian-width';

/*
 * Column widths for fixed-width printers. Receipt and dot-matrix printers at Chinese
 * counters print in GB18030/GBK, where every Han character and every "ambiguous"
 * character (×, ·, —, ①…) takes two columns; so ambiguous counts as wide here. That
 * can only over-count on a printer that draws them narrow, which keeps lines short,
 * never long.
 */

/**
 * Control and format characters (tabs, newlines, zero-width joiners, bidi marks) would
 * move the printer's head or vanish in ways the width count cannot follow, so text from
 * the database is flattened before it is laid out. Format characters that stand for no
 * space (a soft hyphen, a joiner, a bidi mark) are dropped, so a word they sit in stays
 * one word; every other run of them, of control characters and of blanks (a zero-width
 * space among them) becomes one space.
 */
export function flatten(s: string): string {
  return s.replace(/(?!\u200b)\p{Cf}/gu, '').replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
}

/** Columns one code point takes: 1 or 2 (a combining mark counts 1: over-counting is safe). */
export function charWidth(ch: string): 1 | 2 {
  return eastAsianWidth(ch.codePointAt(0) ?? 0x20, { ambiguousAsWide: true });
}

export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

const NO_LINE_START = /^[，。、；：！？）》」』】%,.;:!?)]$/u;

const WORD_CHAR = /^[A-Za-z0-9.]$/;

/**
 * What moves down with closing punctuation that does not fit: the punctuation already at
 * the end of the line and the character before it, or the whole number or Latin word
 * before it (70%, 6282.50: a figure is never cut in two). Nothing when that would empty
 * the line.
 */
function carriedTail(line: string): string {
  const chars = Array.from(line);
  let i = chars.length - 1;
  while (i > 0 && NO_LINE_START.test(chars[i] ?? '')) i--;
  while (i > 0 && WORD_CHAR.test(chars[i] ?? '') && WORD_CHAR.test(chars[i - 1] ?? '')) i--;
  return i > 0 ? chars.slice(i).join('') : '';
}

/**
 * Greedy wrap to `width` columns, by code point (Chinese breaks between any two
 * characters). A Latin word that fits on the next line is not split. Returns at least
 * one line; no line is wider than `width` (width must be at least 2).
 */
export function wrap(s: string, width: number): string[] {
  if (width < 2) throw new RangeError(`wrap width must be at least 2, got ${width}`);
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  for (const token of flatten(s).match(/[A-Za-z0-9.,:;%()/_-]+|./gsu) ?? []) {
    const w = textWidth(token);
    if (lineWidth + w <= width) {
      line += token;
      lineWidth += w;
      continue;
    }
    if (w <= width && /^[A-Za-z0-9]/.test(token) && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = token;
      lineWidth = w;
      continue;
    }
    for (const ch of token) {
      const cw = charWidth(ch);
      if (lineWidth + cw > width) {
        // Chinese typesetting never starts a line with closing punctuation (避头点): the
        // last character of the full line moves down with it.
        const tail = NO_LINE_START.test(ch) ? carriedTail(line) : '';
        const carried = textWidth(tail) + cw <= width ? tail : '';
        const kept = line.slice(0, line.length - carried.length);
        lines.push(kept.trimEnd());
        line = carried;
        lineWidth = textWidth(line);
      }
      if (line === '' && ch === ' ') continue;
      line += ch;
      lineWidth += cw;
    }
  }
  lines.push(line.trimEnd());
  const kept = lines.map((l) => l.trimStart());
  return kept.length > 1 ? kept.filter((l, i) => l !== '' || i === 0) : kept;
}

/** Pads with spaces on the right to exactly `width` columns (the text must fit). */
export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - textWidth(s)));
}

export function center(s: string, width: number): string {
  const left = Math.floor(Math.max(0, width - textWidth(s)) / 2);
  return ' '.repeat(left) + s;
}
