import LineBreaker from 'linebreak';
import { clusters as splitClusters } from './clusters.js';

/*
 * Line breaking for text drawn in more than one font (the PDF slip's fallback fonts):
 * pure, with the width of drawn text measured by the caller. pdfkit wraps text of one
 * font itself; for runs in several fonts it would take each change of font as a place
 * to break, so the slip lays such text out here.
 */

/** A run of text in one font: null = the slip's CJK font, else a fallback's index. */
export interface Run {
  font: number | null;
  text: string;
}

const BLANK = /^\s+$/u;
/** U+00AD SOFT HYPHEN: nothing where it stands; a hyphen where a line breaks after it. */
const SOFT_HYPHEN = '\u00ad';
/** What a soft hyphen at the end of a line is drawn as: hyphen-minus, which every font has. */
const HYPHEN = '-';

/** A character with the marks and selectors attached to it, in the font of its run. */
interface Cluster extends Run {
  /** Code-unit index of its first character in the whole text. */
  start: number;
  blank: boolean;
  /** A soft hyphen. */
  soft: boolean;
}

/**
 * Breaks runs into lines no wider than `width`, as `measure` (the width of runs drawn
 * one after another, kerning included) reports them:
 * - only at the Unicode line-break opportunities (UAX #14) of the whole text, so a change
 *   of font inside a word is no place to break; a newline always breaks;
 * - a word wider than a line starts a new line and is cut between characters there,
 *   never between a character and its marks;
 * - blanks at the end of a line are dropped, and so are blanks that would begin a line
 *   after a soft break (blanks at the start of the text or after a newline are kept);
 * - a soft hyphen (U+00AD) is not drawn, except as a hyphen at the end of a line that
 *   breaks right after it inside a word (and it is measured so: such a line must fit with
 *   its hyphen, which may overflow it only where a single character already does);
 * - each line has at least one character, whatever the width.
 * Each line is returned as its runs, adjacent ones in one font merged. Text that ends
 * with a newline has no empty last line; empty text is one empty line.
 */
export function breakLines(runs: readonly Run[], width: number, measure: (runs: readonly Run[]) => number): Run[][] {
  const clusters: Cluster[] = [];
  let at = 0;
  for (const r of runs) {
    // (A blank carrying a mark shows the mark: it is drawn, not dropped as a blank.)
    for (const c of splitClusters(r.text)) {
      clusters.push({ font: r.font, text: c, start: at, blank: BLANK.test(c), soft: c === SOFT_HYPHEN });
      at += c.length;
    }
  }
  const text = runs.map((r) => r.text).join('');

  const lines: Cluster[][] = [];
  /** Whether each line ends at a break the text did not require (a hyphen may show there). */
  const softEnds: boolean[] = [];
  let line: Cluster[] = [];
  /** The current line begins the text or follows a newline: its leading blanks are kept. */
  let paragraphStart = true;
  const inked = (cs: readonly Cluster[]) => cs.some((c) => !c.blank && !c.soft);
  const fits = (cs: readonly Cluster[]) => measure(merged(shown(cs, true))) <= width;
  const newLine = (paragraph: boolean) => {
    lines.push(line);
    softEnds.push(!paragraph);
    line = [];
    paragraphStart = paragraph;
  };

  const breaker = new LineBreaker(text);
  let next = 0;
  for (let bk = breaker.nextBreak(); bk; bk = breaker.nextBreak()) {
    const word: Cluster[] = [];
    while (next < clusters.length && clusters[next]!.start < bk.position) word.push(clusters[next++]!);
    // Newlines are the break itself, not something drawn.
    const drawn = word.filter((c) => c.text !== '\n' && c.text !== '\r\n' && c.text !== '\r');
    if (inked(drawn)) {
      if (inked(line) && !fits([...line, ...drawn])) newLine(false);
      const rest = dropLeadingBlanks(drawn);
      if (fits([...line, ...rest])) line.push(...rest);
      else {
        // Wider than a line with nothing on it yet: cut between characters.
        for (const c of rest) {
          if (c.soft) {
            // Never the start of a line: kept where its hyphen fits, else dropped (the cut falls there anyway).
            if (fits([...line, c])) line.push(c);
            continue;
          }
          if (inked(line) && !c.blank && !fits([...line, c])) newLine(false);
          if (!c.blank || inked(line) || paragraphStart) line.push(c);
        }
      }
    } else if (inked(line) || paragraphStart) {
      // Blanks between words (dropped later if they end the line).
      line.push(...drawn);
    }
    if (bk.required) newLine(true);
  }
  if (line.length > 0 || lines.length === 0) {
    lines.push(line);
    softEnds.push(false);
  }
  return lines.map((l, i) => merged(shown(l, softEnds[i]!)));

  function dropLeadingBlanks(cs: Cluster[]): Cluster[] {
    if (inked(line) || paragraphStart) return cs;
    let i = 0;
    while (i < cs.length && cs[i]!.blank) i++;
    return cs.slice(i);
  }
}

/**
 * A line's clusters as drawn: no trailing blanks, no soft hyphens, except that a line
 * broken softly right after a soft hyphen that follows a character ends with a hyphen.
 */
function shown(cs: readonly Cluster[], softEnd: boolean): Cluster[] {
  // The line's own last cluster: one followed by a blank broke at the blank, not after it.
  const last = cs.at(-1);
  const before = cs.at(-2);
  const out = trimEnd(cs.filter((c) => !c.soft));
  if (softEnd && last?.soft && before && !before.blank && !before.soft) out.push({ ...last, text: HYPHEN, soft: false });
  return out;
}

function trimEnd(cs: readonly Cluster[]): Cluster[] {
  let end = cs.length;
  while (end > 0 && cs[end - 1]!.blank) end--;
  return cs.slice(0, end);
}

function merged(cs: readonly Run[]): Run[] {
  const out: Run[] = [];
  for (const c of cs) {
    const last = out[out.length - 1];
    if (last && last.font === c.font) last.text += c.text;
    else out.push({ font: c.font, text: c.text });
  }
  return out;
}
