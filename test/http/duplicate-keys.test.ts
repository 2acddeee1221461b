import t from 'tap';
import { duplicateKey } from '../../src/http/duplicate-keys.js';

/* A member named twice in one object, found in the JSON text JSON.parse accepted (it keeps the last one silently). */

t.test('the first name repeated within one object, by its path', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"a":2}', '/a'],
    ['{"x":{"a":1},"a":{"a":3}}', undefined],
    ['{"lines":[{"amount":"1.00"},{"amount":"2.00","amount":"3.00"}]}', '/lines/1/amount'],
    ['[{"a":1},{"a":2}]', undefined],
    ['{"e":[],"f":{},"e":1}', '/e'],
    ['{"a":{"b":[1,2,{"c":1,"d":{"c":2}}]},"z":[[{"y":1,"y":2}]]}', '/z/0/0/y'],
    // Escapes: the same name spelled two ways is the same name; quotes inside values are not names.
    ['{"a\\"b":1,"a\\u0022b":2}', '/a"b'],
    ['{"s":"{\\"a\\":1,\\"a\\":2}","t":"\\\\"}', undefined],
    ['{"q":"\\\\","q":1}', '/q'],
    ['{"a/b~c":{"k":1,"k":2}}', '/a~1b~0c/k'],
    ['{ "a" : 1 , "a" : 2 }', '/a'],
    ['{"名字":"张三","名字":"李四"}', '/名字'],
    ['"just a string"', undefined],
    ['{}', undefined],
  ];
  for (const [text, expected] of cases) {
    JSON.parse(text); // the walk is only ever given JSON that parsed
    t.equal(duplicateKey(text), expected, text);
  }
});
