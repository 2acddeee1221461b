import t from 'tap';
import { setImmediate as tick } from 'node:timers/promises';
import { importContentHash, rowsFromCsv } from '../../src/services/identity-import.js';
import { canonicalJson, sha256 } from '../../src/services/canonical.js';
import type { ImportRow } from '../../src/services/identity-plan.js';
import { turnsEvery } from '../../src/services/turns.js';
import { AppError } from '../../src/http/errors.js';

/*
 * rowsFromCsv parses a slice at a time and lets the event loop turn between slices (a
 * 500,000-row upload once held every request of the service for seconds), with the
 * same rows and row numbers as one pass would give, and stops at the API's row cap.
 * The import's content hash is made in slices too.
 */

const HEADER = 'id_card,category,valid_from,valid_to,note\n';
/** Row i: a 4-byte character and CJK text in the ignored column, so slices must never cut a character. */
const row = (i: number) => `11010519491231${String(i).padStart(4, '0')},dibao,2024-01-01,,"注 😀 ${i}, 第${i}行"\n`;

/** Awaits `work`, counting the turns the event loop took meanwhile (other work that could run). */
async function withTurns<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let busy = true;
  const spin = (async () => {
    while (busy) {
      await tick();
      turns++;
    }
  })();
  try {
    return { value: await work(), turns };
  } finally {
    busy = false;
    await spin;
  }
}

t.test('a large list comes out whole and in order, and the event loop turns while it is parsed', async (t) => {
  const n = 30_000;
  const text = HEADER + Array.from({ length: n }, (_, i) => row(i)).join('');
  t.ok(text.length > 4 * 256 * 1024, 'several slices long');
  const { value: { rows, rowNumbers }, turns } = await withTurns(() => rowsFromCsv(text));
  t.ok(turns >= 4, `other work ran between slices (${turns} turns of the loop)`);
  t.equal(rows.length, n);
  t.same(rows[0], { idCard: '110105194912310000', category: 'dibao', validFrom: '2024-01-01', validTo: null });
  t.same(rows[n - 1], { idCard: `11010519491231${String(n - 1).padStart(4, '0')}`, category: 'dibao', validFrom: '2024-01-01', validTo: null });
  t.ok(rows.every((r, i) => r.idCard === `11010519491231${String(i).padStart(4, '0')}`), 'every row, in order');
  t.same([rowNumbers[0], rowNumbers[n - 1]], [1, n], 'numbered by line');
});

t.test('more rows than maxRows: PAYLOAD_TOO_LARGE, without parsing the rest', async (t) => {
  const text = HEADER + Array.from({ length: 1_001 }, (_, i) => row(i)).join('');
  const err = await rowsFromCsv(text, { maxRows: 1_000 }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof AppError, String(err));
  t.match(err, { code: 'PAYLOAD_TOO_LARGE', details: { maxRows: 1_000 } });
  t.equal((await rowsFromCsv(HEADER + Array.from({ length: 1_000 }, (_, i) => row(i)).join(''), { maxRows: 1_000 })).rows.length, 1_000, 'exactly maxRows is fine');
});

t.test('malformed CSV is MALFORMED_CSV wherever the fault lies, never a hang', async (t) => {
  const good = Array.from({ length: 20_000 }, (_, i) => row(i)).join('');
  for (const [what, text] of [
    ['an unclosed quote at the start', 'id_card,category\n"unclosed,dibao\n'],
    ['an unclosed quote after many slices', HEADER + good + '"unclosed,dibao,2024-01-01,,x\n' + good],
    ['a row with too many fields in the middle', HEADER + good + 'a,b,c,d,e,f,g\n' + good],
  ] as const) {
    const err = await rowsFromCsv(text).then(() => null, (e: unknown) => e);
    t.match(err, { code: 'MALFORMED_CSV' }, what);
  }
  t.match(await rowsFromCsv('foo,bar\n1,2\n').then(() => null, (e: unknown) => e), { code: 'MALFORMED_CSV', details: { missing: ['idCard', 'category', 'validFrom'] } });
  t.match(await rowsFromCsv(HEADER).then(() => null, (e: unknown) => e), { code: 'MALFORMED_CSV', message: /no data rows/ });
});

t.test('CR-only line ends and 4-byte characters at every offset parse as the same rows; the cap stops a long CR-only list early', async (t) => {
  const n = 20_000;
  const lf = HEADER + Array.from({ length: n }, (_, i) => row(i)).join('');
  const cr = lf.replaceAll('\n', '\r');
  const fromLf = await rowsFromCsv(lf);
  const { value: fromCr, turns: crTurns } = await withTurns(() => rowsFromCsv(cr));
  t.ok(crTurns >= 4, `a file without a single line feed is parsed in slices too (${crTurns} turns of the loop)`);
  t.same(fromCr.rows, fromLf.rows, 'the same rows whatever the line ends');
  t.equal(fromCr.rows.length, n);
  // Shifted by one character at a time, some cut falls inside each 😀 pair at least once.
  for (let pad = 1; pad <= 3; pad++) t.same((await rowsFromCsv(' '.repeat(pad) + lf.slice(0, 200_000) + '\n')).rows.slice(0, 3), fromLf.rows.slice(0, 3), `shifted by ${pad}`);

  const big = HEADER.replace('\n', '\r') + Array.from({ length: 100_000 }, (_, i) => row(i % 10_000)).join('').replaceAll('\n', '\r');
  const { value: err, turns } = await withTurns(() => rowsFromCsv(big, { maxRows: 1_000 }).then(() => null, (e: unknown) => e));
  t.match(err, { code: 'PAYLOAD_TOO_LARGE' });
  t.ok(turns < 50, `stopped after a few slices of ${Math.ceil(big.length / 32_768)} (${turns} turns of the loop)`);
});

t.test('the content hash of an import is canonicalJson({ source, rows }) hashed, made a slice at a time with the loop turning', async (t) => {
  const make = (n: number): ImportRow[] =>
    Array.from({ length: n }, (_, i) => ({ idCard: `11010519491231${String(i).padStart(4, '0')}`, category: i % 7 === 0 ? '特困"\\u2028' : 'dibao', validFrom: '2024-01-01', validTo: i % 2 ? null : '2024-12-31' }));
  for (const n of [1, 1023, 1024, 1025, 5_000]) {
    const rows = make(n);
    t.equal(await importContentHash('civil_affairs', rows, async () => {}), sha256(canonicalJson({ source: 'civil_affairs', rows })), `${n} rows`);
  }
  const rows = make(60_000);
  const { value, turns } = await withTurns(() => importContentHash('rural_revitalisation', rows, turnsEvery(0)));
  t.equal(value, sha256(canonicalJson({ source: 'rural_revitalisation', rows })));
  t.ok(turns >= 50, `other work ran between slices (${turns} turns of the loop)`);
});

t.test('a header naming a column twice is MALFORMED_CSV, whichever spelling it uses', async (t) => {
  for (const header of ['id_card,category,valid_from,valid_to,id_card', 'id_card,category,valid_from,IdCard', 'id_card,category,valid_from,valid_to,validTo']) {
    const err = await rowsFromCsv(`${header}\n110105194912310000,dibao,2024-01-01,,110105194912310001\n`).then(() => null, (e: unknown) => e);
    t.match(err, { code: 'MALFORMED_CSV', message: /names the (idCard|validTo) column twice/ }, header);
  }
  const ok = await rowsFromCsv('id_card,category,valid_from,valid_to,note,note\n110105194912310000,dibao,2024-01-01,,a,b\n');
  t.equal(ok.rows.length, 1, 'an ignored column may repeat');
});
