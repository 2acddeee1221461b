import t from 'tap';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.js';
import { emptyDatabase } from '../helpers/db.js';
import { appBeforeMigration, type MigrationApp } from '../helpers/migration-app.js';
import { bill, P } from '../helpers/fixtures.js';

/*
 * Migration 20261203100000 stores a settlement's result, its input snapshot and its
 * idempotency request as json (the text sent) instead of jsonb. Settlements written
 * before it keep their values and still replay identically; those written after it are
 * stored byte for byte as answered; the immutability trigger now sees the result's text.
 */
const { db } = await emptyDatabase(t, 'json', { poolMax: 3 });
let ctx: MigrationApp | undefined;
t.teardown(() => ctx?.app.close());
const call: MigrationApp['call'] = (...args) => ctx!.call(...args);
let ops: string;
let oldAnswer: { id: string; settlement: unknown };
let oldInputs: unknown;

const columnTypes = async () =>
  (await sql<{ col: string; type: string }>`
    SELECT attrelid::regclass::text || '.' || attname AS col, format_type(atttypid, atttypmod) AS type FROM pg_attribute
    WHERE (attrelid, attname) IN (('settlements'::regclass, 'result'), ('settlement_inputs'::regclass, 'bill'), ('settlement_inputs'::regclass, 'person'),
      ('settlement_inputs'::regclass, 'ledger_before'), ('settlement_inputs'::regclass, 'ledger_after'), ('idempotency_keys'::regclass, 'request'))
    ORDER BY 1`.execute(db)).rows.map((r) => `${r.col} ${r.type}`);

t.test('settled while the columns were jsonb, then migrated', async (t) => {
  ctx = await appBeforeMigration(db, '20261202220000_snapshots_compressed_with_lz4_where_built', 'json-migration');
  t.notOk(ctx.migrated.error, 'migrated up to the one before');
  ops = ctx.ops;
  const old = await call('POST', '/v1/settlements', bill({ personId: P.DIBAO, visitNo: 'V-old', amount: 12_000 }), 'k-old');
  t.equal(old.statusCode, 201, 'settled before the migration');
  oldAnswer = old.json();
  t.same(await columnTypes(), [
    'idempotency_keys.request jsonb', 'settlement_inputs.bill jsonb', 'settlement_inputs.ledger_after jsonb', 'settlement_inputs.ledger_before jsonb',
    'settlement_inputs.person jsonb', 'settlements.result jsonb',
  ], 'before the migration every snapshot column is jsonb');
  oldInputs = await db.selectFrom('settlement_inputs').selectAll().where('settlement_id', '=', oldAnswer.id).executeTakeFirstOrThrow();
  const after = await migrateToLatest(db);
  t.ok(after.some((r) => r.migrationName === '20261203100000_snapshots_stored_as_sent' && r.status === 'Success'), 'the migration ran');
});

t.test('every snapshot column is json afterwards', async (t) => {
  t.same(await columnTypes(), [
    'idempotency_keys.request json', 'settlement_inputs.bill json', 'settlement_inputs.ledger_after json', 'settlement_inputs.ledger_before json',
    'settlement_inputs.person json', 'settlements.result json',
  ], 'every snapshot column is json');
});

t.test('a settlement stored as jsonb keeps its values, answers and replays as before', async (t) => {
  const read = await call('GET', `/v1/settlements/${oldAnswer.id}`, undefined, undefined, ops);
  t.same(read.json().settlement, oldAnswer.settlement, 'the record reads back with the values it was answered with');
  const inputs = await db.selectFrom('settlement_inputs').selectAll().where('settlement_id', '=', oldAnswer.id).executeTakeFirstOrThrow();
  t.same(inputs, oldInputs, 'the input snapshot holds the same values');
  const replay = await call('POST', `/v1/settlements/${oldAnswer.id}/replay`, {}, undefined, ops);
  t.equal(replay.statusCode, 200, 'replayed');
  t.equal(replay.json().identical, true, 'it still replays identically');
  const retry = await call('POST', '/v1/settlements', bill({ personId: P.DIBAO, visitNo: 'V-old', amount: 12_000 }), 'k-old');
  t.same([retry.statusCode, retry.json().id], [200, oldAnswer.id], 'its key still answers the same body with the stored settlement');
  const conflict = await call('POST', '/v1/settlements', bill({ personId: P.DIBAO, visitNo: 'V-old', amount: 13_000 }), 'k-old');
  t.equal(conflict.statusCode, 409, 'a different body under its key is a conflict');
  t.ok(conflict.json().details.differences.length > 0, 'and a different body is told what differs');
});

t.test('a settlement written afterwards is stored as the text it was answered with', async (t) => {
  const res = await call('POST', '/v1/settlements', bill({ personId: P.ORD, visitNo: 'V-new', amount: 8_000 }), 'k-new');
  t.equal(res.statusCode, 201, 'settled after the migration');
  const answered = JSON.stringify(res.json().settlement);
  const row = await sql<{ result: string; request: string; request_hash: string; bill: string }>`
    SELECT s.result::text AS result, k.request::text AS request, k.request_hash, i.bill::text AS bill
    FROM settlements s JOIN idempotency_keys k ON k.settlement_id = s.id JOIN settlement_inputs i ON i.settlement_id = s.id
    WHERE s.id = ${res.json().id}`.execute(db);
  const r = row.rows[0]!;
  t.equal(r.result, answered, 'the stored result is the answer’s text, byte for byte, keys in answered order');
  t.equal(createHash('sha256').update(r.request).digest('hex'), r.request_hash, 'the stored request is the very text its hash was made from');
  t.same(JSON.parse(r.bill).lines, bill({ amount: 8_000 }).lines, 'the bill snapshot holds the lines sent');
  const read = await call('GET', `/v1/settlements/${res.json().id}`, undefined, undefined, ops);
  t.equal(JSON.stringify(read.json().settlement), answered, 'and reads back in the same order');
  const replay = await call('POST', `/v1/settlements/${res.json().id}/replay`, {}, undefined, ops);
  t.equal(replay.json().identical, true, 'and replays identically');
});

t.test('the stored answer cannot be rewritten, not even into the same values printed differently', async (t) => {
  // Written after the migration, so stored in answered order, which jsonb would print otherwise.
  const target = (await call('POST', '/v1/settlements', bill({ personId: P.TEKUN, visitNo: 'V-target', amount: 3_000 }), 'k-target')).json();
  const other = (await call('POST', '/v1/settlements', bill({ personId: P.TEKUN, visitNo: 'V-other', amount: 2_000 }), 'k-other')).json();
  const tryUpdate = (set: ReturnType<typeof sql>) =>
    // In a transaction rolled back either way: nothing here may stay.
    db.connection().execute(async (conn) => {
      try {
        await sql`BEGIN`.execute(conn);
        await sql`UPDATE settlements SET reversed_by_id = ${other.id}, ${set} WHERE id = ${target.id}`.execute(conn);
        return null;
      } catch (err) {
        return err as Error;
      } finally {
        await sql`ROLLBACK`.execute(conn);
      }
    });
  const texts = await sql<{ stored: string; reprinted: string }>`SELECT result::text AS stored, (result::jsonb)::text AS reprinted FROM settlements WHERE id = ${target.id}`.execute(db);
  t.not(texts.rows[0]!.reprinted, texts.rows[0]!.stored, 'jsonb prints the stored values differently');
  t.equal(await tryUpdate(sql`kind = kind`), null, 'setting the reversal link alone passes the trigger');
  const reprinted = await tryUpdate(sql`result = (result::jsonb)::text::json`);
  t.match(reprinted?.message, /only the reversal link of a settlement may be set/, 'the same values printed by jsonb are refused');
  const changed = await tryUpdate(sql`result = json_build_object('total', '0.00')`);
  t.match(changed?.message, /only the reversal link of a settlement may be set/, 'other values are refused');
  const otherColumn = await tryUpdate(sql`amount_patient = amount_patient + 0.01, amount_total = amount_total + 0.01`);
  t.match(otherColumn?.message, /only the reversal link of a settlement may be set/, 'and so is any other column, as before');
});
