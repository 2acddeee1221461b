import type pg from 'pg';
import { sql, type Expression, type ExpressionBuilder, type SqlBool, type Transaction } from 'kysely';
import { runStatement, type Db } from '../database.js';
import { hospitalOnDateJson, periodCovers, personJson, type HospitalRow, type PersonWithIdentities } from './reference.js';
import type { DB } from '../schema.js';
import { jsonText } from '../../json-text.js';

/*
 * Settlements, their fund lines, input snapshots and idempotency records. Writers take
 * a Transaction (they must run inside the settlement's one transaction); readers take
 * either. Rows are append-only (see the migration); the only update is the reversal link.
 */

type Q = Db | Transaction<DB>;

export interface FundLineInsert {
  layer: string;
  fund_code: string;
  national_field: string;
  amount_base: string;
  amount_paid: string;
}

export interface SettlementInsert {
  id: string;
  kind: 'settlement' | 'reversal';
  reverses_id: string | null;
  hospital_id: string;
  person_id: string;
  visit_no: string;
  visit_type: string;
  admission_date: string;
  discharge_date: string;
  settlement_date: string;
  deciding_date: string;
  policy_year: number;
  policy_version_id: string;
  identity_used: string | null;
  idempotency_key: string | null;
  reason: string | null;
  amount_total: string;
  amount_fully_self_paid: string;
  amount_over_limit: string;
  amount_pre_self_pay: string;
  amount_in_scope: string;
  amount_fund_total: string;
  amount_patient: string;
  /**
   * Serialized once (jsonText) for the statement and for the answer, and the text is
   * remembered with the object: it must not change after it is passed here.
   */
  result: object;
  fundLines: FundLineInsert[];
  /** The input snapshot (settlements only). */
  inputs: { bill: unknown; person: unknown; ledger_before: unknown; ledger_after: unknown } | null;
  /** The person's ledger row to overwrite in the same statement (its row is already locked). */
  ledger: { year: number; data: unknown };
  /** The audit-log row of this write (who, which action), inserted by the same statement. */
  audit?: { keyId: string | null; actor: string; action: string } | undefined;
  /** The hospital's level and region the settlement was computed with (null for a reversal). */
  hospitalTerms: { level: number; regionCode: string } | null;
}

/**
 * How many settlements a statement's text is made for: the batch's size rounded up to a
 * power of two, so that a connection prepares at most nine texts of each statement
 * (batches of up to 256), and the slots a smaller batch leaves over are sent as nulls
 * that no row joins.
 */
export function statementSlots(n: number): number {
  if (!(n >= 1 && n <= 256)) throw new Error(`a settlement statement takes 1 to 256 settlements, not ${n}`);
  let slots = 1;
  while (slots < n) slots *= 2;
  return slots;
}

/**
 * `(VALUES (0, $a::json, …), (1, …))` with `perRow` json parameters per slot, numbered
 * from `first`. Each large JSON value (a result, a bill, a request) travels as a
 * parameter of its own: the server reads it once, as the json column's input, instead of
 * once more inside an enclosing JSON document and again when that document is taken apart
 * (about 40 µs of the server's CPU per settlement, measured 2026-12-04).
 */
function jsonSlots(slots: number, perRow: number, first: number): string {
  const rows: string[] = [];
  for (let i = 0; i < slots; i++) {
    const cols = [String(i)];
    for (let c = 0; c < perRow; c++) cols.push(`$${first + i * perRow + c}::json`);
    rows.push(`(${cols.join(', ')})`);
  }
  return `(VALUES ${rows.join(', ')})`;
}

/** The insert statement's text for a batch of `slots` settlements (see statementSlots). */
function insertSettlementsText(slots: number): string {
  return `
  WITH big AS (
    -- Each settlement's result and input snapshot, in the settlements' order (see jsonSlots),
    -- stored as the text sent (json columns: migration 20261203100000), never parsed into jsonb.
    SELECT * FROM ${jsonSlots(slots, 5, 5)} AS b(i, result, bill, person, ledger_before, ledger_after)
  ), x AS (
    SELECT x.*, big.result FROM jsonb_to_recordset($1::jsonb) AS x(i int, id uuid, kind text, reverses_id uuid, hospital_id uuid, person_id text,
      visit_no text, visit_type text, admission_date date, discharge_date date, settlement_date date, deciding_date date, policy_year int,
      policy_version_id text, identity_used text, idempotency_key text, reason text, amount_total numeric, amount_fully_self_paid numeric,
      amount_over_limit numeric, amount_pre_self_pay numeric, amount_in_scope numeric, amount_fund_total numeric, amount_patient numeric,
      fund_line_count smallint, level smallint, region_code text, has_inputs boolean)
    -- (LEFT: a settlement without its result fails loudly on NOT NULL, never vanishes.)
    LEFT JOIN big ON big.i = x.i
  ), s AS (
    INSERT INTO settlements (id, kind, reverses_id, hospital_id, person_id, visit_no, visit_type, admission_date, discharge_date,
      settlement_date, deciding_date, policy_year, policy_version_id, identity_used, idempotency_key, reason,
      amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay, amount_in_scope, amount_fund_total, amount_patient, result,
      fund_line_count)
    SELECT x.id, x.kind, x.reverses_id, x.hospital_id, x.person_id, x.visit_no, x.visit_type, x.admission_date, x.discharge_date,
      x.settlement_date, x.deciding_date, x.policy_year, x.policy_version_id, x.identity_used, x.idempotency_key, x.reason,
      x.amount_total, x.amount_fully_self_paid, x.amount_over_limit, x.amount_pre_self_pay, x.amount_in_scope, x.amount_fund_total, x.amount_patient,
      x.result, x.fund_line_count
    FROM x
    -- A settlement is computed with the hospital's level and region on the discharge date;
    -- a registry change committed since it read them keeps its row out (see insertSettlements).
    WHERE x.level IS NULL OR EXISTS (
      SELECT FROM hospital_periods hp
      WHERE hp.hospital_id = x.hospital_id AND ${periodCovers('hp', 'x.discharge_date')} AND hp.level = x.level AND hp.region_code = x.region_code)
    -- One order for the one-active-visit index entries: two batches never wait on each other in a cycle.
    ORDER BY x.hospital_id, x.visit_no
    RETURNING id, kind, created_at
  ), f AS (
    INSERT INTO settlement_fund_lines (settlement_id, seq, line_count, reversal, layer, fund_code, national_field, amount_base, amount_paid)
    SELECT v.settlement_id, v.seq, v.line_count, s.kind = 'reversal', v.layer, v.fund_code, v.national_field, v.amount_base, v.amount_paid
    FROM jsonb_to_recordset($2::jsonb) AS v(settlement_id uuid, seq smallint, line_count smallint, layer text, fund_code text,
      national_field text, amount_base numeric, amount_paid numeric)
    JOIN s ON s.id = v.settlement_id
  ), i AS (
    INSERT INTO settlement_inputs (settlement_id, bill, person, ledger_before, ledger_after, policy_version_id, settlement_date)
    SELECT x.id, big.bill, big.person, big.ledger_before, big.ledger_after, x.policy_version_id, x.settlement_date
    FROM x JOIN s ON s.id = x.id LEFT JOIN big ON big.i = x.i
    WHERE x.has_inputs
  ), lv AS (
    SELECT * FROM jsonb_to_recordset($3::jsonb) AS v(settlement_id uuid, person_id text, year int, data jsonb)
  ), l AS (
    -- Overwrites each ledger row, found through its unique index whatever the planner
    -- thinks of the batch's size (an UPDATE … FROM a function scan of a guessed 100 rows
    -- reads the whole ledger table). The rows exist and are locked (openSettlements or
    -- lockLedger); one that does not exist is not inserted here but reported unwritten.
    INSERT INTO person_ledgers AS l (person_id, year, data)
    SELECT lv.person_id, lv.year, lv.data FROM lv
    WHERE lv.settlement_id IN (SELECT id FROM s)
      -- (a scalar subquery: a sub-plan probing the index per row, never a join over the table)
      AND (SELECT true FROM person_ledgers x WHERE x.person_id = lv.person_id AND x.year = lv.year)
    ON CONFLICT (person_id, year) DO UPDATE SET data = EXCLUDED.data, updated_at = now()
    RETURNING l.person_id, l.year
  ), a AS (
    INSERT INTO audit_log (key_id, actor, action, target_type, target_id, detail)
    SELECT v.key_id, v.actor, v.action, 'settlement', v.settlement_id::text, v.detail
    FROM jsonb_to_recordset($4::jsonb) AS v(settlement_id uuid, key_id uuid, actor text, action text, detail jsonb)
    JOIN s ON s.id = v.settlement_id
  )
  SELECT s.id, s.created_at, s.created_at::text AS created_at_text,
    EXISTS (SELECT FROM lv JOIN l ON l.person_id = lv.person_id AND l.year = lv.year WHERE lv.settlement_id = s.id) AS ledger_written
  FROM s`;
}

/** A snapshot value as a json parameter; a missing one (null or undefined) as SQL NULL, which its NOT NULL column refuses. */
function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

const insertTexts = new Map<number, string>();
const openTexts = new Map<number, string>();

function textFor(cache: Map<number, string>, slots: number, make: (slots: number) => string): string {
  let text = cache.get(slots);
  if (text === undefined) cache.set(slots, (text = make(slots)));
  return text;
}

export interface InsertedSettlement {
  created_at: Date;
  created_at_text: string;
}

/**
 * Inserts settlement rows, each with its fund lines, input snapshot, ledger write and
 * audit row, in one statement (one round trip; a named prepared statement on a pg
 * client), whatever their number. Each settlement declares its number of fund lines; the
 * database checks once per settlement, at commit, that exactly that many lines exist and
 * sum to its fund total, and refuses any line added later (migration 20261202090000).
 * Throws (the caller's transaction then rolls back) when a settlement's ledger row was
 * not there to update: every caller must have locked it first, and no two settlements of
 * one call may share a person and year. Answers each settlement's created_at in the order
 * given, or null for one whose `hospitalTerms` no longer match the hospital's period on
 * its discharge date (a registry change committed after the settlement read them; none of
 * that settlement is written): the caller must roll back.
 */
export async function insertSettlements(q: Transaction<DB> | pg.ClientBase, all: readonly SettlementInsert[]): Promise<Array<InsertedSettlement | null>> {
  const slots = statementSlots(all.length);
  const big: Array<string | null> = new Array<string | null>(slots * 5).fill(null);
  all.forEach((s, i) => {
    // The result as its remembered text (jsonText): stored as it is, and the answer to its
    // request reuses the same text.
    big[i * 5] = jsonText(s.result);
    if (s.inputs) {
      big[i * 5 + 1] = jsonParam(s.inputs.bill);
      big[i * 5 + 2] = jsonParam(s.inputs.person);
      big[i * 5 + 3] = jsonParam(s.inputs.ledger_before);
      big[i * 5 + 4] = jsonParam(s.inputs.ledger_after);
    }
  });
  const rows = await runStatement<{ id: string; created_at: Date; created_at_text: string; ledger_written: boolean }>(q, `settlement_insert_v8_${slots}`, textFor(insertTexts, slots, insertSettlementsText), [
    JSON.stringify(all.map((s, i) => ({
      i, id: s.id, kind: s.kind, reverses_id: s.reverses_id, hospital_id: s.hospital_id, person_id: s.person_id, visit_no: s.visit_no,
      visit_type: s.visit_type, admission_date: s.admission_date, discharge_date: s.discharge_date, settlement_date: s.settlement_date,
      deciding_date: s.deciding_date, policy_year: s.policy_year, policy_version_id: s.policy_version_id, identity_used: s.identity_used,
      idempotency_key: s.idempotency_key, reason: s.reason, amount_total: s.amount_total, amount_fully_self_paid: s.amount_fully_self_paid,
      amount_over_limit: s.amount_over_limit, amount_pre_self_pay: s.amount_pre_self_pay, amount_in_scope: s.amount_in_scope,
      amount_fund_total: s.amount_fund_total, amount_patient: s.amount_patient, fund_line_count: s.fundLines.length,
      level: s.hospitalTerms?.level ?? null, region_code: s.hospitalTerms?.regionCode ?? null, has_inputs: s.inputs !== null,
    }))),
    JSON.stringify(all.flatMap((s) => s.fundLines.map((l, seq) => ({ settlement_id: s.id, seq, line_count: s.fundLines.length, ...l })))),
    JSON.stringify(all.map((s) => ({ settlement_id: s.id, person_id: s.person_id, year: s.ledger.year, data: s.ledger.data }))),
    JSON.stringify(all.flatMap((s) => (s.audit ? [{
      settlement_id: s.id, key_id: s.audit.keyId, actor: s.audit.actor, action: s.audit.action,
      detail: { hospitalId: s.hospital_id, visitNo: s.visit_no, reverses: s.reverses_id },
    }] : []))),
    ...big,
  ]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return all.map((s) => {
    const r = byId.get(s.id);
    // Only the registry guard keeps a settlement row out, and then nothing else of it is
    // written either; the caller must roll back what the transaction did before.
    if (!r) return null;
    // The ledger row is locked (and created when absent) earlier in the transaction; a
    // write that found no row would silently lose the settlement's ledger effect.
    if (!r.ledger_written) throw new Error(`ledger of ${s.person_id}/${s.ledger.year} was not written: it was never locked`);
    return { created_at: r.created_at, created_at_text: r.created_at_text };
  });
}

/** insertSettlements of one settlement. */
export async function insertSettlement(q: Transaction<DB> | pg.ClientBase, s: SettlementInsert): Promise<InsertedSettlement | null> {
  return (await insertSettlements(q, [s]))[0]!;
}

/** The opening statement's text for a batch of `slots` settlements (see statementSlots). */
function openSettlementsText(slots: number): string {
  return `
  WITH x AS (
    SELECT x.*, q.request FROM jsonb_to_recordset($1::jsonb) AS x(i int, on_date date, hospital_code text, person_id text, visit_no text, key text,
      request_hash text, settlement_id uuid, year int, empty jsonb)
    -- The requests travel apart, one parameter each in the openings' order (see jsonSlots),
    -- each the canonical text request_hash was made from, stored as that text (json:
    -- migration 20261203100000).
    -- (LEFT: an opening without its request fails loudly on NOT NULL, never vanishes.)
    LEFT JOIN ${jsonSlots(slots, 1, 2)} AS q(i, request) ON q.i = x.i
  ), h AS (
    SELECT x.*, ${hospitalOnDateJson('x.on_date', 'x.hospital_code')} AS hospital, ${personJson('x.person_id')} AS person FROM x
  ), r AS (
    SELECT h.*, (SELECT s.id FROM settlements s
                 WHERE s.hospital_id = (h.hospital->>'id')::uuid AND s.visit_no = h.visit_no AND s.kind = 'settlement' AND s.reversed_by_id IS NULL
                ) AS settled_as
    FROM h
  ), k AS (
    INSERT INTO idempotency_keys (hospital_id, key, request_hash, request, settlement_id)
    SELECT (r.hospital->>'id')::uuid, r.key, r.request_hash, r.request, r.settlement_id FROM r
    -- A visit with a committed, active settlement is not claimed for: the request is
    -- answered after the transaction (the stored answer of its key, else 409).
    WHERE r.hospital IS NOT NULL AND r.person IS NOT NULL AND r.settled_as IS NULL
    -- One order for every claim and lock: two statements never wait on each other in a cycle.
    ORDER BY 1, 2
    ON CONFLICT (hospital_id, key) DO NOTHING RETURNING settlement_id
  ), l AS (
    INSERT INTO person_ledgers AS l (person_id, year, data)
    SELECT r.person_id, r.year, r.empty FROM r WHERE r.year IS NOT NULL AND r.settlement_id IN (SELECT settlement_id FROM k)
    ORDER BY 1, 2
    ON CONFLICT (person_id, year) DO UPDATE SET updated_at = l.updated_at
    RETURNING l.person_id, l.year, l.data
  )
  SELECT r.i, r.hospital, r.person, r.settled_as, k.settlement_id IS NOT NULL AS claimed, l.data AS ledger
  FROM r
  LEFT JOIN k ON k.settlement_id = r.settlement_id
  LEFT JOIN l ON k.settlement_id IS NOT NULL AND l.person_id = r.person_id AND l.year = r.year
  ORDER BY r.i`;
}

export interface OpenedSettlement<L> {
  /** The hospital as it was on the discharge date (undefined: no such code). */
  hospital: HospitalRow | undefined;
  person: PersonWithIdentities | undefined;
  /**
   * False when the key is taken (by a committed request: an uncommitted holder is waited
   * for), the hospital or person is unknown, or the visit is settled already (`settledAs`).
   */
  claimed: boolean;
  /** The active settlement of this hospital's visit committed before the statement began, if any. */
  settledAs: string | null;
  /** The locked ledger of the year asked for, when claimed and a ledger was asked for. */
  ledger: L | null;
}

export interface SettlementOpening<L> {
  registry: { hospitalCode: string; personId: string; onDate: string; visitNo: string };
  claim: { key: string; requestHash: string; requestJson: string; settlementId: string };
  /** The ledger to lock (created as `empty` when absent), or null when its year is not known yet. */
  ledger: { year: number; empty: L } | null;
}

/**
 * The first statement of a settlement transaction, one round trip for any number of
 * settlements: for each, reads the hospital (as on the discharge date) and the person with
 * identities, claims the idempotency key for a settlement id not yet inserted (the foreign
 * key is deferred) and, only when the claim succeeded and a `ledger` is named, locks the
 * person's ledger row for its year, creating it (as `ledger.empty`) when absent: ON
 * CONFLICT DO UPDATE takes the row lock whether the row is new or not, so a concurrent
 * settlement of the same person waits here for this one to commit and then sees its
 * ledger. Claims and locks are taken in key and (person, year) order. Nothing is claimed
 * for an unknown hospital or person; everything else the caller refuses rolls the claims
 * back with the transaction. No two openings of one call may share a person and year or
 * a hospital and key (PostgreSQL refuses a row locked twice by one statement).
 */
export async function openSettlements<L>(client: pg.ClientBase, all: ReadonlyArray<SettlementOpening<L>>): Promise<Array<OpenedSettlement<L>>> {
  const slots = statementSlots(all.length);
  const rows = await runStatement<{ i: number; hospital: HospitalRow | null; person: PersonWithIdentities | null; settled_as: string | null; claimed: boolean; ledger: L | null }>(
    client, `settlement_open_v5_${slots}`, textFor(openTexts, slots, openSettlementsText),
    [
      JSON.stringify(all.map((o, i) => ({
        i, on_date: o.registry.onDate, hospital_code: o.registry.hospitalCode, person_id: o.registry.personId, visit_no: o.registry.visitNo, key: o.claim.key,
        request_hash: o.claim.requestHash, settlement_id: o.claim.settlementId, year: o.ledger?.year ?? null, empty: o.ledger?.empty ?? null,
      }))),
      // Each request is JSON text already (canonical, as hashed): sent as it is, not parsed and written again.
      ...Array.from({ length: slots }, (_, i) => all[i]?.claim.requestJson ?? null),
    ],
  );
  return all.map((o, i) => {
    const r = rows[i];
    if (!r || r.i !== i) throw new Error(`opening ${i} of ${all.length} settlements has no answer`);
    if (r.claimed && o.ledger && r.ledger === null) throw new Error(`ledger of ${o.registry.personId}/${o.ledger.year} was neither found nor created`);
    return { hospital: r.hospital ?? undefined, person: r.person ?? undefined, claimed: r.claimed, settledAs: r.settled_as, ledger: r.ledger };
  });
}

/** The idempotency record of a hospital's key (keys are unique per hospital, named by its code). */
export async function findIdempotencyRecord(db: Q, hospitalCode: string, key: string) {
  return db
    .selectFrom('idempotency_keys as k')
    .innerJoin('hospitals as h', 'h.id', 'k.hospital_id')
    .select(['k.key', 'k.request_hash', 'k.request', 'k.settlement_id', 'k.created_at'])
    .where('h.code', '=', hospitalCode)
    .where('k.key', '=', key)
    .executeTakeFirst();
}

/**
 * How many active settlements of the given one's person and policy year were committed
 * after it (by creation time; the ledger itself is what decides, see reverseSettlement).
 * The count only: they may belong to other hospitals, whose settlements a caller may not see.
 */
export async function laterActiveSettlements(trx: Transaction<DB>, settlementId: string): Promise<number> {
  const r = await sql<{ n: string }>`
    SELECT count(*) AS n FROM settlements s, settlements o
    WHERE o.id = ${settlementId} AND s.person_id = o.person_id AND s.policy_year = o.policy_year AND s.kind = 'settlement'
      AND s.reversed_by_id IS NULL AND s.id <> o.id AND s.created_at >= o.created_at`.execute(trx);
  return Number(r.rows[0]!.n);
}

/** Sets the reversal link on the original, once. False when it was already reversed. */
export async function linkReversal(trx: Transaction<DB>, originalId: string, reversalId: string): Promise<boolean> {
  const r = await trx.updateTable('settlements').set({ reversed_by_id: reversalId }).where('id', '=', originalId).where('reversed_by_id', 'is', null).executeTakeFirst();
  return (r.numUpdatedRows ?? 0n) === 1n;
}

const recordColumns = [
  's.id', 's.kind', 's.reverses_id', 's.reversed_by_id', 's.hospital_id', 'h.code as hospital_code', 's.person_id', 's.visit_no', 's.visit_type',
  's.admission_date', 's.discharge_date', 's.settlement_date', 's.deciding_date', 's.policy_year', 's.policy_version_id', 's.identity_used',
  's.idempotency_key', 's.reason', 's.amount_total', 's.amount_fund_total', 's.amount_patient', 's.result',
] as const;

function records(db: Q) {
  return db.selectFrom('settlements as s').innerJoin('hospitals as h', 'h.id', 's.hospital_id').select(recordColumns)
    .select([sql<Date>`s.created_at`.as('created_at'), sql<string>`s.created_at::text`.as('created_at_text')]);
}

export type SettlementRecordRow = NonNullable<Awaited<ReturnType<typeof findSettlement>>>;

export async function findSettlement(db: Q, id: string) {
  return records(db).where('s.id', '=', id).executeTakeFirst();
}

/** The row locked for a reversal. */
export async function lockSettlement(trx: Transaction<DB>, id: string) {
  return records(trx).where('s.id', '=', id).forUpdate('s').executeTakeFirst();
}

export async function findInputs(db: Q, settlementId: string) {
  return db.selectFrom('settlement_inputs').selectAll().where('settlement_id', '=', settlementId).executeTakeFirst();
}

export interface ListFilter {
  hospitalCode?: string;
  personId?: string;
  from?: string;
  to?: string;
  /** Strictly older than this (xact_id, created_at, id) position. */
  after?: ListPosition;
  limit: number;
}

/**
 * Settlements written by a transaction this server has not reached yet: brought in by a
 * logical copy (dump and restore, logical replication) from a cluster whose transaction
 * count was ahead. The list hides them until this server's count passes theirs
 * (migration 20261204230000). Their count and the highest id, or null when there are none.
 */
export async function settlementsAheadOfServer(db: Q): Promise<{ count: number; highest: string } | null> {
  const r = await sql<{ n: string; highest: string | null }>`
    SELECT count(*) AS n, max(xact_id)::text AS highest FROM settlements WHERE xact_id >= pg_snapshot_xmax(pg_current_snapshot())`.execute(db);
  const row = r.rows[0]!;
  return row.highest === null ? null : { count: Number(row.n), highest: row.highest };
}

/** A settlement as listed: its record and its writing transaction's id (decimal text). */
export type ListedRow = SettlementRecordRow & { xact_id: string };

/**
 * The list's horizon: the id of the oldest transaction still running on the server, as of
 * the statement's own snapshot. Every row written by an older one is final (committed or
 * gone); rows at or above it may still be joined by others below them.
 */
const LIST_HORIZON = sql`pg_snapshot_xmin(pg_current_snapshot())`;

/** The list's filters as conditions on `settlements as s`. */
function listFilters(eb: ExpressionBuilder<DB & { s: DB['settlements'] }, 's'>, f: ListFilter): Array<Expression<SqlBool>> {
  const conditions: Array<Expression<SqlBool>> = [];
  // The hospital's id as a value (an init plan), not a join condition: the scan of its list
  // index then yields rows in the list's order and stops at the page's end, no sort.
  if (f.hospitalCode !== undefined) conditions.push(eb('s.hospital_id', '=', eb.selectFrom('hospitals').select('id').where('code', '=', f.hospitalCode)));
  if (f.personId !== undefined) conditions.push(eb('s.person_id', '=', f.personId));
  if (f.from !== undefined) conditions.push(eb('s.settlement_date', '>=', f.from));
  if (f.to !== undefined) conditions.push(eb('s.settlement_date', '<=', f.to));
  return conditions;
}

/**
 * Whether settlements matching the list's filters have committed but are not listed yet:
 * written by a transaction no older than the oldest still running on the server (see
 * listSettlements). A statement of its own, so it tells how things stood at about the
 * time the page was read, not exactly then.
 */
export async function settlementsWithheld(db: Q, f: ListFilter): Promise<boolean> {
  const r = await db.selectFrom('settlements as s').select(sql<number>`1`.as('one'))
    .where((eb) => eb.and([sql<boolean>`s.xact_id >= ${LIST_HORIZON}`, ...listFilters(eb, f)]))
    .limit(1).execute();
  return r.length > 0;
}

/** A row's place in the list: its writing transaction's id, then created_at and id. */
export interface ListPosition {
  xactId: string;
  createdAt: string;
  id: string;
}

/**
 * Newest first: by the id of the transaction that wrote each row, keyset-paged on
 * (xact_id, created_at, id). Only rows of transactions older than every transaction still
 * running are read (pg_snapshot_xmin): a row that becomes visible later always lists
 * above every row read now, never below a page already read (migration 20261204230000).
 * Not for use inside a transaction that has written: its own rows would be left out.
 */
export async function listSettlements(db: Q, f: ListFilter): Promise<ListedRow[]> {
  let q = records(db).select(sql<string>`s.xact_id::text`.as('xact_id'))
    .where((eb) => eb.and([sql<boolean>`s.xact_id < ${LIST_HORIZON}`, ...listFilters(eb, f)]));
  if (f.after) {
    q = q.where(sql<boolean>`(s.xact_id, s.created_at, s.id) < (${f.after.xactId}::xid8, ${f.after.createdAt}::timestamptz, ${f.after.id}::uuid)`);
  }
  return q.orderBy('s.xact_id', 'desc').orderBy('s.created_at', 'desc').orderBy('s.id', 'desc').limit(f.limit).execute();
}
