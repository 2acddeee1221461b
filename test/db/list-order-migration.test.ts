import t from 'tap';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.js';
import { emptyDatabase } from '../helpers/db.js';
import { appBeforeMigration, type MigrationApp } from '../helpers/migration-app.js';
import { bill, H, P } from '../helpers/fixtures.js';
import { allListed, eventually, sameIds } from '../helpers/list.js';

/*
 * Migration 20261204230000 lists settlements by the id of the transaction that wrote them.
 * Rows written before it get 0: they list below every later row, among themselves in
 * their old order (created_at, id), and a walk through the pages crosses from the new
 * rows to the old ones without losing or repeating one.
 */
const { db } = await emptyDatabase(t, 'listorder', { poolMax: 3 });
let ctx: MigrationApp | undefined;
t.teardown(() => ctx?.app.close());
const call: MigrationApp['call'] = (...args) => ctx!.call(...args);
let ops: string;

const listedAs = (limit: number, want: string[]) =>
  eventually(() => allListed((url) => call('GET', url, undefined, undefined, ops), `hospital=${H.WZ2}`, limit), sameIds(want));

const old: string[] = [];

t.test('settled before the migration, then migrated', async (t) => {
  ctx = await appBeforeMigration(db, '20261203100000_snapshots_stored_as_sent', 'list-order');
  t.notOk(ctx.migrated.error, 'migrated up to the one before');
  ops = ctx.ops;
  for (const [i, person] of [P.DIBAO, P.ORD, P.TEKUN].entries()) {
    const r = await call('POST', '/v1/settlements', bill({ personId: person, visitNo: `V-old-${i}`, amount: 5_000 + i }), `k-old-${i}`);
    t.equal(r.statusCode, 201);
    old.unshift(r.json().id);
  }
  const after = await migrateToLatest(db);
  t.ok(after.some((r) => r.migrationName === '20261204230000_settlements_listed_in_write_order' && r.status === 'Success'), 'the migration ran');
});

t.test('old rows get 0 and keep their order; the list indexes lead with the transaction id', async (t) => {
  const rows = await sql<{ id: string; xact_id: string }>`SELECT id::text, xact_id::text FROM settlements ORDER BY created_at DESC, id DESC`.execute(db);
  t.same(rows.rows, old.map((id) => ({ id, xact_id: '0' })), 'every row written before has 0');
  t.same(await listedAs(1, old), old, 'listed newest first as before, one page at a time');
  const indexes = await sql<{ name: string; def: string }>`
    SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'settlements' AND indexname LIKE '%list%' ORDER BY 1`.execute(db);
  t.same(indexes.rows.map((r) => r.name), ['settlements_hospital_list_by_xact', 'settlements_list_by_xact', 'settlements_person_list_by_xact'], 'the created_at list indexes are gone');
  t.ok(indexes.rows.every((r) => /\((\w+, )?xact_id, created_at, id\)$/.test(r.def)), 'on (…, xact_id, created_at, id), read backwards for newest first');
});

t.test('rows written afterwards list above the old ones, and the pages cross between them', async (t) => {
  const fresh: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await call('POST', '/v1/settlements', bill({ personId: P.ORD, visitNo: `V-new-${i}`, amount: 2_000 + i }), `k-new-${i}`);
    t.equal(r.statusCode, 201);
    fresh.unshift(r.json().id);
  }
  const ids = await sql<{ xact_id: string }>`SELECT xact_id::text FROM settlements WHERE id = ANY(${fresh}::uuid[])`.execute(db);
  t.ok(ids.rows.length === 2 && ids.rows.every((r) => BigInt(r.xact_id) > 0n), 'rows written afterwards carry their transaction id');
  for (const limit of [1, 2, 3, 100]) t.same(await listedAs(limit, [...fresh, ...old]), [...fresh, ...old], `pages of ${limit}`);
  const reversal = await call('POST', `/v1/settlements/${old[2]}/reversal`, { reason: 'test' }, 'k-rev');
  t.equal(reversal.statusCode, 201, 'an old settlement is reversed');
  t.same(await listedAs(2, [reversal.json().id, ...fresh, ...old]), [reversal.json().id, ...fresh, ...old], 'its reversal lists on top; the original keeps its place');
});
