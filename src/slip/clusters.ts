/*
 * Characters as a reader counts them: Unicode's extended grapheme clusters (UAX #29, as
 * Intl.Segmenter finds them), a base character with the combining marks, variation
 * selectors and joiners that follow it, a Hangul syllable stored as its jamo, an emoji
 * with its modifiers. A name typed or stored decomposed (NFD: José as J o s e + U+0301,
 * Nguyễn with two marks on its e, 김 as ᄀ ᅵ ᆷ) must be masked and drawn per such
 * cluster, never split between a letter and its accent.
 */

/** Combining marks, joiners and variation selectors: never the first character of a cluster, but at the start of a text. */
export const ATTACHED = /^[\p{M}\u200c\u200d\ufe00-\ufe0f\u{e0100}-\u{e01ef}]$/u;

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** The text's clusters, in order; a mark at the very start is a cluster of its own. */
export function clusters(text: string): string[] {
  return Array.from(graphemes.segment(text), (s) => s.segment);
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
