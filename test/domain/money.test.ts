import t from 'tap';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { Money, fmt } from '../../src/domain/money.js';

/* fmt is the wire form of every amount: toFixed(2) under Money's rounding, whatever the path it takes. */

t.test('fmt answers what toFixed(2) answers, for random decimals of 0 to 6 places', async (t) => {
  const decimalArb = fc.record({
    negative: fc.boolean(),
    digits: fc.stringMatching(/^[0-9]{1,45}$/),
    places: fc.integer({ min: 0, max: 6 }),
  }).map(({ negative, digits, places }) => {
    const padded = digits.padStart(places + 1, '0');
    const text = places === 0 ? padded : `${padded.slice(0, -places)}.${padded.slice(-places)}`;
    return new Money(`${negative ? '-' : ''}${text}`);
  });
  // The same values made under a configuration that writes exponents early and rounds down:
  // fmt formats them under Money's, never under theirs.
  const Other = Decimal.clone({ toExpPos: 5, toExpNeg: -3, rounding: Decimal.ROUND_DOWN });
  fc.assert(fc.property(decimalArb, (d) => fmt(d) === d.toFixed(2) && fmt(new Other(d.toString())) === d.toFixed(2)), { numRuns: 20_000 });
  t.pass('20,000 random decimals, each also from another configuration');
});

t.test('fmt at the edges', async (t) => {
  const cases: Array<[string, string]> = [
    ['0', '0.00'], ['-0', '0.00'], ['0.5', '0.50'], ['-0.5', '-0.50'], ['12', '12.00'], ['12.3', '12.30'], ['12.34', '12.34'],
    ['0.005', '0.01'], ['-0.005', '-0.01'], ['0.004', '0.00'], ['2.675', '2.68'], ['999999999999.995', '1000000000000.00'],
    ['1e39', `1${'0'.repeat(39)}.00`], ['1e40', `1${'0'.repeat(40)}.00`], ['1.5e45', `15${'0'.repeat(44)}.00`], ['1e-31', '0.00'],
  ];
  for (const [input, wire] of cases) t.equal(fmt(new Money(input)), wire, input);
  t.equal(fmt(new Money(NaN)), 'NaN', 'NaN as toFixed gives it');
  t.equal(fmt(new Money(Infinity)), 'Infinity');
  // A value from another decimal.js configuration is formatted under Money's rounding (half up), not its own.
  const Down = Decimal.clone({ rounding: Decimal.ROUND_DOWN });
  t.equal(fmt(new Down('1.239')), '1.24');
  t.equal(fmt(new Down('7.1')), '7.10');
  const Early = Decimal.clone({ toExpPos: 5 });
  t.equal(fmt(new Early('1234567.5')), '1234567.50', 'not in the other configuration\'s exponent form');
});
