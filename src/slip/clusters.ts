/*
 * Characters as a reader counts them: Unicode's extended grapheme clusters (UAX #29, as
 * Intl.Segmenter finds them), a base character with the combining marks, variation
 * selectors and joiners that follow it, a Hangul syllable stored as its jamo, an emoji
 * with its modifiers. A name typed or stored decomposed (NFD: José as J o s e + U+0301,
 * Nguyễn with two marks on its e, 김 as ᄀ ᅵ ᆷ) must be masked and drawn per such
 * cluster, never split between a letter and its accent.
 */

/** Variation selectors and the zero-width (non-)joiner, as a character class's contents. */
const IGNORABLE_CHARS = '\\u200c\\u200d\\ufe00-\\ufe0f\\u{e0100}-\\u{e01ef}';

/** Variation selectors and the zero-width (non-)joiner: they pick or join glyphs and draw nothing themselves. */
export const IGNORABLE = new RegExp(`^[${IGNORABLE_CHARS}]$`, 'u');

/** Combining marks and the ignorable characters: never the first character of a cluster, but at the start of a text. */
export const ATTACHED = new RegExp(`^[\\p{M}${IGNORABLE_CHARS}]$`, 'u');

/** Whether a cluster starts with a character of its own (not a mark or selector left at the start of a text). */
export function hasBase(cluster: string): boolean {
  return !ATTACHED.test(String.fromCodePoint(cluster.codePointAt(0)!));
}

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * The text's clusters, in order. A mark Unicode leaves on its own after a control
 * character (a tab) joins the cluster before it, so no cluster but the first ever starts
 * with a mark; a mark at the very start of a text is a cluster of its own.
 */
export function clusters(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of graphemes.segment(text)) {
    if (out.length > 0 && !hasBase(segment)) out[out.length - 1] += segment;
    else out.push(segment);
  }
  return out;
}

/**
 * A cluster in its composed form (NFC) when it has marks: e + U+0301 → é, which fonts
 * have far more often than the combining mark (the slip's CJK font has é but no U+0301).
 * Only clusters whose base character NFC leaves alone: NFC would also replace a CJK
 * compatibility ideograph (U+F900 …) by its unified twin, a different character for a
 * name's owner, so such a cluster stays as it is. A lone character is returned as is.
 */
export function composed(cluster: string): string {
  const first = String.fromCodePoint(cluster.codePointAt(0)!);
  if (first.length === cluster.length || first.normalize('NFC') !== first) return cluster;
  return cluster.normalize('NFC');
}
