import t from 'tap';
import { maskIdNumber, maskName } from '../../src/slip/mask.js';

t.test('a name keeps its first and last character', async (t) => {
  t.equal(maskName('张小三'), '张*三');
  t.equal(maskName('欧阳明日'), '欧**日');
  t.equal(maskName('李四'), '李*');
  t.equal(maskName('王'), '*');
  t.equal(maskName('  赵六  '), '赵*');
  t.equal(maskName(''), '');
  // A character outside the BMP is one character, not two UTF-16 halves.
  t.equal(maskName('𠮷野家'), '𠮷*家');
  t.equal(maskName('李𠮷'), '李*');
  // Blanks or invisible characters inside a name (a full-width space lining up two
  // characters, a zero-width space) are not characters of the name: nothing is shown in full.
  for (const spaced of ['张　三', '张 三', '张\u200b三', '张\t三', '张\u00a0三']) t.equal(maskName(spaced), '张*', JSON.stringify(spaced));
  t.equal(maskName('欧阳 明日'), '欧**日');
});

t.test('a name stored decomposed or with variation selectors is masked by the character, not by the code point', async (t) => {
  // NFD José: the last character is é, not a combining accent left without its e.
  t.equal(maskName('Jose\u0301'), 'J**é');
  t.equal(maskName('Nguye\u0302\u0303n Va\u0306n'), 'N*******n');
  // 葛 with an ideographic variation selector is one character: a two-character name shows only its first.
  t.equal(maskName('葛\u{E0100}亮'), '葛\u{E0100}*');
  t.equal(maskName('张\u0301'), '*', 'one character with its mark is masked whole');
  // A stray mark or selector before the first character is no character: 李四 stays a two-character name.
  for (const stray of ['\u0301李四', ' \u0301李四', '\ufe0f李四']) t.equal(maskName(stray), '李*', JSON.stringify(stray));
  // Hangul stored as jamo (NFD): 김 is one character, 민수 two.
  t.equal(maskName('김'.normalize('NFD')), '*');
  t.equal(maskName('민수'.normalize('NFD')), '민*');
  t.equal(maskName('김민수'.normalize('NFD')), '김*수');
});

t.test('a resident ID card keeps its first 6 and last 4 characters', async (t) => {
  t.equal(maskIdNumber('330302199001011234'), '330302********1234');
  t.equal(maskIdNumber('33030219900101123X'), '330302********123X');
  t.equal(maskIdNumber('330302900101123'), '330302*****1123');
  t.equal(maskIdNumber('E12345678'), 'E1*****78');
  t.equal(maskIdNumber('1234'), '***4');
  t.equal(maskIdNumber(''), '');
});
