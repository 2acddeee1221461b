import t from 'tap';
import fc from 'fast-check';
import { ATTACHED } from '../../src/slip/clusters.js';
import { breakLines, type Run } from '../../src/slip/lines.js';

/*
 * Line breaking of mixed-font text, with a made-up measure: each character one unit wide
 * (a blank half, a mark nothing) and, like a font's kerning, "f)" drawn 0.5 wider as a
 * pair than as two characters, so a line fitted by adding up characters would overflow.
 */

const FALLBACK = /[ŁŚŻŹ]/u;
const runsOf = (text: string): Run[] => {
  const runs: Run[] = [];
  for (const ch of text) {
    const font = FALLBACK.test(ch) ? 0 : null;
    const last = runs[runs.length - 1];
    if (last && (last.font === font || ATTACHED.test(ch))) last.text += ch;
    else runs.push({ font, text: ch });
  }
  return runs;
};
const charWidth = (ch: string) => (ATTACHED.test(ch) || ch === '\n' ? 0 : /\s/u.test(ch) ? 0.5 : 1);
const measure = (runs: readonly Run[]) =>
  runs.reduce((w, r) => w + [...r.text].reduce((x, ch) => x + charWidth(ch), 0) + 0.5 * (r.text.split('f)').length - 1), 0);
const lines = (text: string, width: number) => breakLines(runsOf(text), width, measure).map((l) => l.map((r) => r.text).join(''));

t.test('breaks at word boundaries of the whole text, not where the font changes', async (t) => {
  t.same(lines('Łukasiewicz Świętokrzyskie Żółkiewski', 15), ['Łukasiewicz', 'Świętokrzyskie', 'Żółkiewski']);
  t.same(lines('Łukasiewicz Świętokrzyskie Żółkiewski', 40), ['Łukasiewicz Świętokrzyskie Żółkiewski']);
  t.same(breakLines(runsOf('ŁódŹ ab'), 20, measure), [[{ font: 0, text: 'Ł' }, { font: null, text: 'ód' }, { font: 0, text: 'Ź' }, { font: null, text: ' ab' }]], 'each line is its runs, merged by font');
});

t.test('a word wider than a line starts a line of its own and is cut there, marks kept with their letter', async (t) => {
  t.same(lines('ab ŁŁŁŁŁŁŁ', 3), ['ab', 'ŁŁŁ', 'ŁŁŁ', 'Ł']);
  t.same(lines('ŁŁ\u0307Ł', 1.5), ['Ł', 'Ł\u0307', 'Ł']);
  t.same(lines('Ł\u{20000}\u{20001}', 1), ['Ł', '\u{20000}', '\u{20001}'], 'surrogate pairs are one character');
  t.same(lines('ŁŁŁ', 0), ['Ł', 'Ł', 'Ł'], 'one character a line, whatever the width');
});

t.test('blanks never make an empty line nor begin one after a soft break', async (t) => {
  t.same(lines(' ŁŁŁŁŁŁ', 4), [' ŁŁŁ', 'ŁŁŁ'], 'a leading blank stays on the first line with the cut word');
  t.same(lines('Šaaaa \tŁŁŁŁŁŁ', 5.2), ['Šaaaa', 'ŁŁŁŁŁ', 'Ł'], 'a tab after a space is no line of its own');
  t.same(lines('Šaaaa \u3000bb', 5.2), ['Šaaaa', 'bb'], 'an ideographic space does not begin the next line');
  t.same(lines('ab   ', 10), ['ab'], 'trailing blanks dropped');
});

t.test('newlines always break; blanks after one are kept', async (t) => {
  t.same(lines('Łab\n\n  cd\n', 10), ['Łab', '', '  cd']);
});

t.test('a line fits as drawn, kerning included', async (t) => {
  // Ten "Łf)" words: by characters each is 3 wide; drawn, 3.5.
  t.same(lines(Array(4).fill('Łf)').join(' '), 11), ['Łf) Łf)', 'Łf) Łf)'], 'three would be 9.5 + 1 by characters but 11.5 drawn');
});

t.test('a soft hyphen is drawn only as a hyphen at the end of a line that breaks after it', async (t) => {
  t.same(lines('Łuka\u00adsie\u00adwicz', 20), ['Łukasiewicz'], 'not drawn inside a line, nor measured');
  t.same(lines('Łuka\u00adsie\u00adwicz', 8), ['Łukasie-', 'wicz'], 'a break after it shows a hyphen');
  t.same(lines('Łuka\u00adsie\u00adwicz', 7), ['Łuka-', 'siewicz'], 'and the hyphen must fit: "Łukasie-" is 8 wide');
  t.same(lines('Łuka\u00ad\nsie\u00ad', 20), ['Łuka', 'sie'], 'none before a newline or at the end of the text');
  const runs: Run[] = [{ font: null, text: 'ab' }, { font: 0, text: 'Ł\u00ad' }, { font: null, text: 'cd' }];
  t.same(breakLines(runs, 4, measure), [[{ font: null, text: 'ab' }, { font: 0, text: 'Ł-' }], [{ font: null, text: 'cd' }]], 'the hyphen is drawn in the font of the soft hyphen');
  t.same(lines('ab\u00ad\u0307cd', 3), ['ab\u00ad\u0307', 'cd'], 'one carrying a mark is drawn as it is, like a blank carrying one');
  t.same(lines('ab \u00adcd', 2), ['ab', 'cd'], 'one after a blank makes no hyphen');
  t.same(lines('ab\u00ad cd', 3), ['ab', 'cd'], 'nor one before a blank: the line breaks at the blank');
  t.same(lines('a\u00ad', 0), ['a'], 'one whose hyphen does not fit makes no line of its own');
  t.same(lines('Łuka\u00ad', 4), ['Łuka']);
  t.same(lines('Łuka\u00ad\nsie', 4), ['Łuka', 'sie']);
});

t.test('properties: nothing lost or reordered, no line too wide unless it holds one character, none empty, none after the first begins with a blank or a mark', async (t) => {
  const alphabet = fc.constantFrom('a', 'b', 'f', ')', '中', 'Ł', 'Ś', '\u{21484}', ' ', '\t', '\u3000', '\u0307', '-');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 60 }), fc.double({ min: 0, max: 14, noNaN: true }), (chars, width) => {
      const text = chars.join('');
      const out = breakLines(runsOf(text), width, measure);
      const texts = out.map((l) => l.map((r) => r.text).join(''));
      const ink = (s: string) => [...s].filter((ch) => !/\s/u.test(ch)).join('');
      if (ink(texts.join('')) !== ink(text)) return false;
      if (!/\S/u.test(text)) return texts.length === 1;
      return out.every((l, i) => {
        const s = texts[i]!;
        // Leading blanks of the first line are kept: a line may overflow only to hold one character.
        const clusters = [...s].filter((ch) => !ATTACHED.test(ch) && !/\s/u.test(ch)).length;
        return (clusters <= 1 || measure(l) <= width) && /\S/u.test(s) && !/\s$/u.test(s) && (i === 0 || !/^\s(?!\p{M})/u.test(s)) && (i === 0 || !ATTACHED.test([...s][0]!)) && l.every((r, j) => j === 0 || r.font !== l[j - 1]!.font);
      });
    }),
    { numRuns: 3000 },
  );
});

t.test('properties with soft hyphens: none without a mark is drawn but as the last hyphen of a line that is not the last, and the rest is as without them', async (t) => {
  const alphabet = fc.constantFrom('a', 'b', 'f', ')', '中', 'Ł', ' ', '\u0307', '\u00ad');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 60 }), fc.double({ min: 0, max: 14, noNaN: true }), (chars, width) => {
      const text = chars.join('');
      const out = breakLines(runsOf(text), width, measure);
      const texts = out.map((l) => l.map((r) => r.text).join(''));
      // (One carrying a mark is drawn as it is.)
      if (texts.some((s) => /\u00ad(?!\p{M})/u.test(s))) return false;
      // Hyphens come only from soft hyphens (the alphabet has none), one at most per line, at its end, never on the last line.
      if (texts.some((s, i) => s.indexOf('-') !== -1 && (s.indexOf('-') !== s.length - 1 || i === texts.length - 1))) return false;
      const ink = (s: string) => [...s].filter((ch) => !/\s/u.test(ch) && ch !== '-' && ch !== '\u00ad').join('');
      if (ink(texts.join('')) !== ink(text)) return false;
      if (!/[^\s\u00ad]/u.test(text)) return texts.length === 1;
      // No line is empty (the alphabet has no newline).
      if (texts.some((s) => !/\S/u.test(s))) return false;
      return out.every((l, i) => {
        // A hyphen may overflow a line only as a single character can: the character it follows is the line's only one.
        const clusters = [...texts[i]!.replace(/-$/u, '')].filter((ch) => !ATTACHED.test(ch) && !/\s/u.test(ch)).length;
        return (clusters <= 1 || measure(l) <= width) && !/\s-$/u.test(texts[i]!);
      });
    }),
    { numRuns: 3000 },
  );
});
