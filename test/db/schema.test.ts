import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { bill, P } from '../helpers/fixtures.js';
import { loadPolicyVersions } from '../../src/services/bootstrap.js';

/** The database enforces what it can on its own, whatever code writes to it. */
const ctx = await testApp(t);
const { db } = ctx;
const firstBill = bill({ personId: P.DIBAO, amount: 30_000 });
const s = (await ctx.call('POST', '/v1/settlements', { body: firstBill, key: 'k-schema' })).json();

const refuses = async (t: Test, q: Promise<unknown>, pattern: RegExp) => {
  await t.rejects(q, pattern);
};

t.test('settlements and their fund lines are append-only', async (t) => {
  await refuses(t, sql`UPDATE settlements SET amount_patient = 0 WHERE id = ${s.id}`.execute(db), /only the reversal link/);
  await refuses(t, sql`DELETE FROM settlements WHERE id = ${s.id}`.execute(db), /append-only/);
  await refuses(t, sql`UPDATE settlement_fund_lines SET amount_paid = 0 WHERE settlement_id = ${s.id}`.execute(db), /append-only/);
  await refuses(t, sql`DELETE FROM settlement_inputs WHERE settlement_id = ${s.id}`.execute(db), /append-only/);
});

t.test('total = fund total + patient share is a CHECK', async (t) => {
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      await sql`INSERT INTO settlements SELECT gen_random_uuid(), kind, NULL, NULL, hospital_id, person_id, visit_no || '-x', visit_type,
        admission_date, discharge_date, settlement_date, deciding_date, policy_year, policy_version_id, identity_used, NULL, NULL,
        amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay, amount_in_scope, amount_fund_total, amount_patient + 1,
        result, now(), fund_line_count FROM settlements WHERE id = ${s.id}`.execute(trx);
    }),
    /check constraint/,
  );
});

/**
 * A copy of settlement s (or of the row `from`) under a new id and visit, as one INSERT …
 * SELECT (positional columns); `lineCount` overrides the number of fund lines it declares.
 * The reversal links, idempotency key and reason are left out unless `keepLinks`.
 */
const copyOf = (visitSuffix: string, lineCount?: number, opts: { from?: string; keepLinks?: boolean } = {}) => sql`SELECT gen_random_uuid(), kind,
  ${opts.keepLinks ? sql`reverses_id, reversed_by_id` : sql`NULL::uuid, NULL::uuid`}, hospital_id, person_id, visit_no || ${visitSuffix}, visit_type,
  admission_date, discharge_date, settlement_date, deciding_date, policy_year, policy_version_id, identity_used,
  ${opts.keepLinks ? sql`idempotency_key, reason` : sql`NULL, NULL`},
  amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay, amount_in_scope, amount_fund_total, amount_patient,
  result, now(), coalesce(${lineCount ?? null}::smallint, fund_line_count) FROM settlements WHERE id = ${opts.from ?? s.id}`;

/** One statement: a copy of s and a copy of its fund lines, the first line's amount raised by `extra`. */
const copyWithLines = (visitSuffix: string, extra: string) => sql`
  WITH n AS (INSERT INTO settlements ${copyOf(visitSuffix)} RETURNING id)
  INSERT INTO settlement_fund_lines
  SELECT n.id, f.seq, f.reversal, f.layer, f.fund_code, f.national_field, f.amount_base,
         f.amount_paid + CASE WHEN f.seq = 0 THEN ${extra}::numeric ELSE 0 END, f.line_count
  FROM n, settlement_fund_lines f WHERE f.settlement_id = ${s.id}`;

/**
 * A 1.00 line shaped like the first fund line of s, attached to `settlementId` (it would
 * break the sum), as line `seq` of a settlement said to have `lineCount` lines (default:
 * line 99 of as many lines as s has).
 */
const extraLine = (settlementId: unknown, seq = 99, lineCount?: number) => sql`
  INSERT INTO settlement_fund_lines
  SELECT ${settlementId}::uuid, ${seq}::smallint, reversal, layer, fund_code, national_field, 1, 1, coalesce(${lineCount ?? null}::smallint, line_count)
  FROM settlement_fund_lines WHERE settlement_id = ${s.id} AND seq = 0`;

t.test('fund lines must sum to the fund total at commit (one deferred trigger per settlement)', async (t) => {
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      await sql`INSERT INTO settlements ${copyOf('-y')}`.execute(trx);
    }),
    /settlement .* declares [1-9]\d* fund lines, has 0/,
  );
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      await sql`INSERT INTO settlements ${copyOf('-y1', 0)}`.execute(trx);
    }),
    /fund lines of settlement .* sum to 0/,
  );
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      // Declaring one line more than it brings would leave a free seq for a later line.
      const id = (await sql<{ id: string }>`INSERT INTO settlements ${copyOf('-y4', Number(s.settlement.layers.length) + 1)} RETURNING id`.execute(trx)).rows[0]!.id;
      await sql`INSERT INTO settlement_fund_lines SELECT ${id}::uuid, f.seq, f.reversal, f.layer, f.fund_code, f.national_field, f.amount_base, f.amount_paid, f.line_count + 1
        FROM settlement_fund_lines f WHERE f.settlement_id = ${s.id}`.execute(trx);
    }),
    /declares \d+ fund lines, has \d+/,
  );
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      await copyWithLines('-y2', '0.01').execute(trx);
    }),
    /fund lines of settlement .* sum to .*, fund total is/,
  );
  await db.transaction().execute(async (trx) => {
    await copyWithLines('-y3', '0').execute(trx);
  });
  t.pass('a settlement inserted with lines that sum to its fund total commits');
  const triggers = await sql<{ tgname: string }>`SELECT tgname FROM pg_trigger
    WHERE tgrelid = 'settlement_fund_lines'::regclass AND NOT tgisinternal AND tgconstraint <> 0`.execute(db);
  t.same(triggers.rows, [], 'no deferred check runs per fund line');
});

t.test('fund lines cannot be added to a settlement after its check', async (t) => {
  // Every seq in [0, fund_line_count) is taken, so a later line breaks a CHECK, the foreign key or the primary key.
  const late = /settlement_fund_lines_seq_in_count|settlement_fund_lines_settlement_count_fkey|settlement_fund_lines_pkey/;
  const [line] = await db.selectFrom('settlement_fund_lines').select(['seq', 'line_count']).where('settlement_id', '=', s.id).where('seq', '=', 0).execute();
  t.ok(line, 'the committed settlement has a first line to copy (else the refusals below prove nothing)');
  t.equal(line!.line_count, s.settlement.layers.length, 'each line carries its settlement\'s line count');
  await refuses(t, extraLine(s.id).execute(db), /settlement_fund_lines_seq_in_count/);
  await refuses(t, extraLine(s.id, 99, 100).execute(db), /settlement_fund_lines_settlement_count_fkey/);
  await refuses(t, extraLine(s.id, 0).execute(db), /settlement_fund_lines_pkey/);
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      // Checking the sum early must not open a window for lines added afterwards.
      await sql`SET CONSTRAINTS ALL IMMEDIATE`.execute(trx);
      const id = (await sql<{ id: string }>`WITH n AS (INSERT INTO settlements ${copyOf('-w')} RETURNING id)
        INSERT INTO settlement_fund_lines SELECT n.id, f.seq, f.reversal, f.layer, f.fund_code, f.national_field, f.amount_base, f.amount_paid, f.line_count
        FROM n, settlement_fund_lines f WHERE f.settlement_id = ${s.id} RETURNING settlement_id AS id`.execute(trx)).rows[0]!.id;
      await extraLine(id).execute(trx);
    }),
    late,
  );
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      // The reversal link is the one update allowed; it must not carry lines into the original.
      await sql`WITH u AS (UPDATE settlements SET reversed_by_id = gen_random_uuid() WHERE id = ${s.id} RETURNING id)
        INSERT INTO settlement_fund_lines SELECT u.id, 98, reversal, layer, fund_code, national_field, 1, 1, line_count
        FROM u, settlement_fund_lines WHERE settlement_id = ${s.id} AND seq = 0`.execute(trx);
    }),
    late,
  );
  const after = await db.selectFrom('settlement_fund_lines').select(sql<string>`sum(amount_paid)`.as('sum')).where('settlement_id', '=', s.id).executeTakeFirstOrThrow();
  t.equal(after.sum, s.fundTotal, 'the committed lines are unchanged');
});

t.test('one active settlement per hospital visit is a partial unique index', async (t) => {
  await refuses(
    t,
    sql`INSERT INTO settlements SELECT gen_random_uuid(), kind, NULL, NULL, hospital_id, person_id, visit_no, visit_type,
      admission_date, discharge_date, settlement_date, deciding_date, policy_year, policy_version_id, identity_used, NULL, NULL,
      amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay, amount_in_scope, amount_fund_total, amount_patient,
      result, now(), fund_line_count FROM settlements WHERE id = ${s.id}`.execute(db),
    /settlements_one_active_visit/,
  );
});

t.test('money columns are numeric(14,2) and come back as exact strings', async (t) => {
  const row = await db.selectFrom('settlements').select(['amount_total', 'amount_fund_total', 'admission_date']).where('id', '=', s.id).executeTakeFirstOrThrow();
  t.equal(row.amount_total, '30000.00');
  t.equal(typeof row.amount_fund_total, 'string');
  t.equal(row.admission_date, '2026-06-01', 'dates stay civil dates');
  const lines = await db.selectFrom('settlement_fund_lines').select(sql<string>`sum(amount_paid)`.as('sum')).where('settlement_id', '=', s.id).executeTakeFirstOrThrow();
  t.equal(lines.sum, s.fundTotal);
});

t.test('TRUNCATE is refused on every append-only, close-only or revoke-only table and on ledgers', async (t) => {
  for (const table of ['settlements', 'settlement_fund_lines', 'settlement_inputs', 'idempotency_keys', 'identities', 'hospital_periods', 'identity_imports', 'api_keys', 'audit_log']) {
    await refuses(t, sql`TRUNCATE ${sql.table(table)} CASCADE`.execute(db), /append-only/);
  }
  await refuses(t, sql`TRUNCATE person_ledgers`.execute(db), /person_ledgers rows are never deleted/);
  const n = await db.selectFrom('settlement_fund_lines').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  t.ok(Number(n.n) > 0, 'the lines are still there');
});

t.test('idempotency records and policy versions are append-only', async (t) => {
  await refuses(t, sql`UPDATE idempotency_keys SET request_hash = 'x'`.execute(db), /idempotency_keys is append-only/);
  await refuses(t, sql`UPDATE idempotency_keys SET settlement_id = gen_random_uuid()`.execute(db), /append-only/);
  await refuses(t, sql`DELETE FROM idempotency_keys`.execute(db), /append-only/);
  const retry = await ctx.call('POST', '/v1/settlements', { body: firstBill, key: 'k-schema' });
  t.same([retry.statusCode, retry.json().id, retry.json().replayed], [200, s.id, true], 'the claim is intact: a retry gets the stored answer');
  await refuses(t, sql`UPDATE policy_versions SET pack = pack || '{"note": 1}'::jsonb WHERE id = ${s.policyVersionId}`.execute(db), /policy_versions is append-only/);
  await refuses(t, sql`UPDATE policy_versions SET origin = 'edited' WHERE id = 'national-2020'`.execute(db), /append-only/);
  await refuses(t, sql`DELETE FROM policy_versions WHERE id = 'national-2020'`.execute(db), /append-only/);
  await refuses(t, sql`TRUNCATE policy_versions CASCADE`.execute(db), /append-only/);
  const replay = await ctx.call('POST', `/v1/settlements/${s.id}/replay`, { as: 'ops', body: {} });
  t.equal(replay.json().identical, true, 'the settlement still replays identically under its stored version');
});

t.test('start-up never changes a stored policy version: a bundled pack that differs is reported and the stored one stays', async (t) => {
  const before = await db.selectFrom('policy_versions').select(['id', 'content_hash', 'pack']).where('id', '=', 'national-2020').executeTakeFirstOrThrow();
  // Stand-in for a release whose bundled national-2020 changed: make the stored copy differ instead.
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE policy_versions DISABLE TRIGGER policy_versions_append_only`.execute(trx);
    await sql`UPDATE policy_versions SET content_hash = 'stored-elsewhere' WHERE id = 'national-2020'`.execute(trx);
    await sql`ALTER TABLE policy_versions ENABLE TRIGGER policy_versions_append_only`.execute(trx);
  });
  const report = await loadPolicyVersions(db);
  t.same(report.differs, ['national-2020'], 'the differing pack is named');
  t.same(report.inserted, [], 'nothing new');
  const after = await db.selectFrom('policy_versions').select(['id', 'content_hash', 'pack']).where('id', '=', 'national-2020').executeTakeFirstOrThrow();
  t.same(after, { ...before, content_hash: 'stored-elsewhere' }, 'the stored version is untouched');
});

t.test('a ledger row cannot be deleted', async (t) => {
  await refuses(t, sql`DELETE FROM person_ledgers WHERE person_id = ${P.DIBAO}`.execute(db), /never deleted/);
  t.ok(await db.selectFrom('person_ledgers').select('year').where('person_id', '=', P.DIBAO).executeTakeFirst());
});

t.test('a temporary table cannot stand in for settlement_fund_lines in the commit-time check', async (t) => {
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      // Real lines 0.01 over the fund total …
      const id = (await sql<{ id: string }>`WITH n AS (INSERT INTO settlements ${copyOf('-tmp')} RETURNING id)
        INSERT INTO settlement_fund_lines SELECT n.id, f.seq, f.reversal, f.layer, f.fund_code, f.national_field, f.amount_base,
          f.amount_paid + CASE WHEN f.seq = 0 THEN 0.01 ELSE 0 END, f.line_count
        FROM n, settlement_fund_lines f WHERE f.settlement_id = ${s.id} RETURNING settlement_id AS id`.execute(trx)).rows[0]!.id;
      // … and a session-local table of the same name whose rows would pass.
      await sql`CREATE TEMP TABLE settlement_fund_lines ON COMMIT DROP AS
        SELECT ${id}::uuid AS settlement_id, amount_paid, reversal FROM public.settlement_fund_lines WHERE settlement_id = ${s.id}`.execute(trx);
    }),
    /fund lines of settlement .* sum to .*, fund total is/,
  );
});

t.test('a settlement is reversed at most once, and a reversal reverses one settlement: unique indexes over the links that are set', async (t) => {
  const original = (await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, visitNo: 'V-links', amount: 2_000 }), key: 'k-links' })).json();
  const rev = await ctx.call('POST', `/v1/settlements/${original.id}/reversal`, { body: { reason: 'schema test' } });
  t.equal(rev.statusCode, 201, rev.body);
  const reversalId = rev.json().id as string;
  // A second reversal row pointing at the same original (copied from the first).
  await refuses(t, sql`INSERT INTO settlements ${copyOf('', undefined, { from: reversalId, keepLinks: true })}`.execute(db), /settlements_reverses_id_key/);
  // Another settlement claiming to be reversed by the same reversal (the one update allowed: NULL to set).
  await refuses(t, sql`UPDATE settlements SET reversed_by_id = ${reversalId} WHERE id = ${s.id}`.execute(db), /settlements_reversed_by_id_key/);
  const { rows } = await sql<{ indexname: string; indexdef: string }>`
    SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'settlements' AND indexname IN ('settlements_reverses_id_key', 'settlements_reversed_by_id_key') ORDER BY 1`.execute(db);
  t.same(rows.map((r) => r.indexname), ['settlements_reversed_by_id_key', 'settlements_reverses_id_key']);
  for (const r of rows) t.match(r.indexdef, /^CREATE UNIQUE INDEX .* WHERE \(\w+ IS NOT NULL\)$/, `${r.indexname} holds only the links that are set`);
  // Settlements never reversed write no entry into either index.
  const entries = await sql<{ n: string }>`SELECT count(*) AS n FROM settlements WHERE reverses_id IS NOT NULL OR reversed_by_id IS NOT NULL`.execute(db);
  t.equal(entries.rows[0]!.n, '2', 'only the original and its reversal carry a link');
});

t.test('snapshots are compressed with lz4 where the server is built with it, with its default elsewhere', async (t) => {
  const lz4 = (await sql<{ built: boolean }>`SELECT 'lz4' = ANY (enumvals) AS built FROM pg_settings WHERE name = 'default_toast_compression'`.execute(db)).rows[0]!.built;
  const { rows } = await sql<{ col: string; method: string }>`
    SELECT attrelid::regclass::text || '.' || attname AS col, attcompression::text AS method FROM pg_attribute
    WHERE attrelid IN ('settlements'::regclass, 'settlement_inputs'::regclass) AND attname IN ('result', 'bill', 'person', 'ledger_before', 'ledger_after')
    ORDER BY 1`.execute(db);
  t.same(rows.map((r) => r.col), ['settlement_inputs.bill', 'settlement_inputs.ledger_after', 'settlement_inputs.ledger_before', 'settlement_inputs.person', 'settlements.result']);
  for (const r of rows) t.equal(r.method, lz4 ? 'l' : '', `${r.col}: ${lz4 ? 'lz4' : 'the server default'}`);
  // The file's first settlement, written after the migrations: its result is stored compressed that way.
  const stored = await sql<{ method: string | null }>`SELECT pg_column_compression(result) AS method FROM settlements WHERE id = ${s.id}`.execute(db);
  t.equal(stored.rows[0]!.method, lz4 ? 'lz4' : 'pglz');
  t.same((await ctx.call('GET', `/v1/settlements/${s.id}`)).json().settlement, s.settlement, 'and reads back as it was answered');
});
