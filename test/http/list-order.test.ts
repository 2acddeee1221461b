import t from 'tap';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { addPerson, bill, H } from '../helpers/fixtures.js';
import { allListed, eventually, sameIds } from '../helpers/list.js';
import { settlementsAheadOfServer } from '../../src/db/repositories/settlements.js';

/*
 * GET /v1/settlements only ever grows at its top (migration 20261204230000): a settlement
 * whose transaction began writing before another's, but commits after it, must not turn
 * up below rows a client has already paged past. A HIS that mirrors its settlements by
 * paging down from the top until one it already holds would never see such a row.
 * What must appear is awaited, what must not is checked at once (see helpers/list.ts).
 */

let release!: () => void;
let holding!: () => void;
let holdNext = false;
const held = () => new Promise<void>((resolve) => (holding = resolve));
const released = () => new Promise<void>((resolve) => (release = resolve));
const holdingNow = held();
const releasedNow = released();

const ctx = await testApp(t, {
  config: { SETTLE_WORKERS: 3 },
  // When asked, the next settlement keeps its transaction open after its insert until released.
  hooks: { afterSettlementInsert: async () => { if (holdNext) { holdNext = false; holding(); await releasedNow; } } },
});

const wholeList = (hospital: string, limit = 2) => allListed((url) => ctx.call('GET', url), `hospital=${hospital}`, limit);
const listedAs = (hospital: string, want: string[]) => eventually(() => wholeList(hospital), sameIds(want));

/** The mirror's pass: ids from the top down to the first one it already holds. */
const mirrorPass = (hospital: string, known: Set<string>) => allListed((url) => ctx.call('GET', url), `hospital=${hospital}`, 3, (id) => known.has(id));

const settle = async (person: string, visit: string) => {
  const r = await ctx.call('POST', '/v1/settlements', { body: bill({ hospitalCode: H.WZ3, personId: person, visitNo: visit }), key: `lo-${visit}` });
  if (r.statusCode !== 201) throw new Error(`settle ${visit}: ${r.statusCode} ${r.body}`);
  return (r.json() as { id: string }).id;
};

t.test('a settlement that began writing first and commits last lists above what was read meanwhile, never below', async (t) => {
  for (const p of ['LO-0', 'LO-1', 'LO-2']) await addPerson(ctx.db, p);
  const first = await settle('LO-0', 'V-LO-0');
  t.same(await listedAs(H.WZ3, [first]), [first]);

  // LO-1's transaction has written its row and holds it uncommitted.
  holdNext = true;
  const slow = settle('LO-1', 'V-LO-1');
  await holdingNow;
  // LO-2's began after it, and commits first.
  const quick = await settle('LO-2', 'V-LO-2');
  for (let i = 0; i < 5; i++) t.same(await wholeList(H.WZ3), [first], `while the earlier transaction is open, the later one is not listed yet (${i})`);
  const page = async () => (await ctx.call('GET', `/v1/settlements?hospital=${H.WZ3}&limit=100`)).json() as { items: unknown[]; withheld: boolean };
  t.equal((await page()).withheld, true, 'and the answer says that a committed settlement is withheld');
  t.equal((await ctx.call('GET', `/v1/settlements?hospital=${H.WZ2}&limit=100`)).json().withheld, false, 'not for another hospital’s list');
  const known = new Set([first]);
  t.equal((await ctx.call('GET', `/v1/settlements/${quick}`)).statusCode, 200, 'though it is committed and found by its id');

  release();
  const slowId = await slow;
  const after = await listedAs(H.WZ3, [quick, slowId, first]);
  t.same(after, [quick, slowId, first], 'both new rows list above the one read before, in the order their transactions began writing');
  t.equal((await eventually(page, (p) => !p.withheld)).withheld, false, 'and nothing is withheld any more');
  t.same(new Set(await mirrorPass(H.WZ3, known)), new Set([quick, slowId]), 'a mirror paging down to the row it holds finds both');
});

t.test('settlements committing concurrently: every pass of a mirror finds only new rows above the ones it holds, and in the end all', async (t) => {
  const persons = Array.from({ length: 24 }, (_, i) => `LO-C-${i}`);
  for (const p of persons) await addPerson(ctx.db, p);
  const known = new Set(await wholeList(H.WZ3, 100));
  let done = false;
  let passes = 0;
  const violations: string[] = [];
  const mirror = (async () => {
    while (!done) {
      const fresh = await mirrorPass(H.WZ3, known);
      fresh.forEach((id) => known.add(id));
      // Whatever the pass found, nothing new may sit below the rows the mirror held.
      const list = await wholeList(H.WZ3, 100);
      const firstKnown = list.findIndex((id) => known.has(id));
      const below = list.slice(firstKnown).filter((id) => !known.has(id));
      if (below.length > 0) violations.push(`pass ${passes}: ${below.length} row(s) appeared below rows already held`);
      passes++;
    }
  })();
  // Two rounds of concurrent settlements, so that transactions overlap in every order.
  const ids: string[] = [];
  for (const round of [0, 1]) {
    ids.push(...(await Promise.all(persons.map((p) => settle(p, `V-${p}-${round}`)))));
  }
  done = true;
  await mirror;
  // The last rows may still wait for older transactions on the server to end.
  await eventually(async () => (await mirrorPass(H.WZ3, known)).forEach((id) => known.add(id)), () => ids.every((id) => known.has(id)));
  t.comment(`the mirror ran ${passes} pass(es) while settlements committed`);
  t.same(violations, [], 'no pass found a new row below the rows it held');
  t.same(ids.filter((id) => !known.has(id)), [], 'the mirror holds every settlement');
  t.same([...known].sort(), (await wholeList(H.WZ3, 100)).sort(), 'and nothing else');
});

t.test('each row carries the id of the transaction that wrote it', async (t) => {
  const rows = await sql<{ xact_id: string; tx: string }>`SELECT xact_id::text, xmin::text AS tx FROM settlements`.execute(ctx.db);
  t.ok(rows.rows.length > 0);
  // xmin is the same id's low 32 bits (no wraparound in a test database).
  t.ok(rows.rows.every((r) => BigInt(r.xact_id) > 0n && (BigInt(r.xact_id) & 0xffffffffn) === BigInt(r.tx)), 'xact_id is the inserting transaction');
});

t.test('rows from a transaction this server has not reached (a logical copy from another cluster) are found and reported', async (t) => {
  t.equal(await settlementsAheadOfServer(ctx.db), null, 'none here');
  await ctx.db.transaction().execute(async (trx) => {
    // A copy of a settlement as a restore from a cluster whose count was ahead would bring it (rolled back below).
    await sql`INSERT INTO settlements SELECT (json_populate_record(s, json_build_object(
      'id', gen_random_uuid(), 'visit_no', s.visit_no || '-far', 'xact_id', '98765432109'))).* FROM settlements s LIMIT 1`.execute(trx);
    t.same(await settlementsAheadOfServer(trx), { count: 1, highest: '98765432109' });
    throw new Error('rollback');
  }).catch((err: unknown) => { if (!(err instanceof Error && err.message === 'rollback')) throw err; });
  t.equal(await settlementsAheadOfServer(ctx.db), null, 'rolled back: none again');
});
