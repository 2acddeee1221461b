import t from 'tap';
import fc from 'fast-check';
import { clusters, composed } from '../../src/slip/clusters.js';

t.test('a base character keeps its marks, selectors and joiners', async (t) => {
  t.same(clusters('Jose\u0301'), ['J', 'o', 's', 'e\u0301']);
  t.same(clusters('Nguye\u0302\u0303n'), ['N', 'g', 'u', 'y', 'e\u0302\u0303', 'n']);
  t.same(clusters('葛\u{E0100}亮'), ['葛\u{E0100}', '亮'], 'an ideographic variation sequence is one character');
  t.same(clusters('𠮷野'), ['𠮷', '野'], 'a character outside the BMP is one');
  t.same(clusters('\u0301a'), ['\u0301', 'a'], 'a mark with nothing before it stands alone');
  t.same(clusters(''), []);
  t.same(clusters('김'.normalize('NFD')), ['김'.normalize('NFD')], 'a Hangul syllable stored as its jamo is one');
  t.same(clusters('a\r\nb'), ['a', '\r\n', 'b']);
});

t.test('a cluster with marks is composed, unless NFC would change its base', async (t) => {
  t.equal(composed('e\u0301'), 'é');
  t.equal(composed('e\u0302\u0303'), 'ễ');
  t.equal(composed('e\u0303\u0302'), '\u1ebd\u0302', 'marks in another order: composed as far as Unicode goes (ẽ, the circumflex still combining)');
  t.equal(composed('D\u0323'), 'Ḍ');
  t.equal(composed('葛\u{E0100}'), '葛\u{E0100}', 'a variation selector does not compose');
  // U+F900 is a CJK compatibility ideograph: NFC would turn it into U+8C48.
  t.equal(composed('\uf900'), '\uf900');
  t.equal(composed('\uf900\u{E0100}'), '\uf900\u{E0100}', 'nor with a selector after it');
  t.equal(composed('é'), 'é');
});

t.test('properties: clusters put together are the text; composing keeps a cluster canonically equal', async (t) => {
  const alphabet = fc.constantFrom('a', 'e', '中', '\uf900', '\u0301', '\u0302', '\u0323', '\u{E0100}', '\ufe0f', '\u200d', ' ', '𠮷');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 30 }), (chars) => {
      const text = chars.join('');
      const cs = clusters(text);
      return cs.join('') === text && cs.every((c) => composed(c).normalize('NFD') === c.normalize('NFD') && (/^[\uf900-\ufaff]/u.test(c) ? composed(c) === c : true));
    }),
    { numRuns: 2000 },
  );
});
