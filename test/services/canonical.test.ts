import t from 'tap';
import { canonicalJson, jsonDiff, sha256 } from '../../src/services/canonical.js';

/* The canonical form idempotency hashes, and the differences a 409 or a replay names. */

t.test('canonical JSON sorts keys at every level and keeps array order', async (t) => {
  const a = { b: 1, a: { d: [3, { y: 1, x: 2 }], c: null } };
  const b = JSON.parse('{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}') as unknown;
  t.equal(canonicalJson(a), '{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}');
  t.equal(canonicalJson(b), canonicalJson(a));
  t.not(canonicalJson({ l: [1, 2] }), canonicalJson({ l: [2, 1] }), 'array order matters');
  t.equal(sha256(canonicalJson(a)), sha256(canonicalJson(b)));
  t.match(sha256('x'), /^[0-9a-f]{64}$/);
});

t.test('jsonDiff names each differing leaf by its path, keys in order', async (t) => {
  const stored = { visitNo: 'V1', lines: [{ amount: '10.00', name: 'a' }, { amount: '5.00' }], referral: false };
  const received = { visitNo: 'V1', lines: [{ amount: '12.00', name: 'a' }], referral: true, extra: 1 };
  t.same(jsonDiff(stored, received), [
    { path: '/extra', left: undefined, right: 1 },
    { path: '/lines/0/amount', left: '10.00', right: '12.00' },
    { path: '/lines/1', left: { amount: '5.00' }, right: undefined },
    { path: '/referral', left: false, right: true },
  ]);
  t.same(jsonDiff(stored, structuredClone(stored)), [], 'equal values: no difference');
  t.same(jsonDiff([1], { 0: 1 }), [{ path: '/', left: [1], right: { 0: 1 } }], 'an array is not an object with index keys');
  t.equal(jsonDiff({ a: Array.from({ length: 300 }, (_, i) => i) }, { a: [] }).length, 200, 'at most 200 differences');
});

t.test('a key only one side has is absent on the other, whatever its name', async (t) => {
  for (const k of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
    const left = JSON.parse('{"a":1}') as unknown;
    const right = JSON.parse(`{"a":1,"${k}":{"x":"1.00"}}`) as unknown;
    t.same(jsonDiff(left, right), [{ path: `/${k}`, left: undefined, right: { x: '1.00' } }], k);
    t.same(jsonDiff(right, left), [{ path: `/${k}`, left: { x: '1.00' }, right: undefined }], `${k}, the other way round`);
  }
});
