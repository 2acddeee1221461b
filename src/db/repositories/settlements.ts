import type pg from 'pg';
import { sql, type Transaction } from 'kysely';
import { runStatement, type Db } from '../database.js';
import { hospitalOnDateJson, periodCovers, personJson, type HospitalRow, type PersonWithIdentities } from './reference.js';
import type { DB } from '../schema.js';

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
  result: unknown;
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

const INSERT_SETTLEMENT = `
  WITH s AS (
    INSERT INTO settlements (id, kind, reverses_id, hospital_id, person_id, visit_no, visit_type, admission_date, discharge_date,
      settlement_date, deciding_date, policy_year, policy_version_id, identity_used, idempotency_key, reason,
      amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay, amount_in_scope, amount_fund_total, amount_patient, result,
      fund_line_count)
    SELECT $1::uuid, $2, $3::uuid, $4::uuid, $5::text, $6, $7, $8::date, $9::date, $10::date, $11::date, $12::int, $13::text, $14,
      $15, $16, $17, $18, $19, $20, $21, $22, $23, $24::jsonb, $36::smallint
    -- A settlement is computed with the hospital's level and region on the discharge date;
    -- a registry change committed since it read them refuses the insert (see insertSettlement).
    WHERE $37::smallint IS NULL OR EXISTS (
      SELECT FROM hospital_periods hp
      WHERE hp.hospital_id = $4::uuid AND ${periodCovers('hp', '$9')} AND hp.level = $37::smallint AND hp.region_code = $38::text)
    RETURNING created_at
  ), f AS (
    INSERT INTO settlement_fund_lines (settlement_id, seq, line_count, reversal, layer, fund_code, national_field, amount_base, amount_paid)
    SELECT $1::uuid, x.seq, $36::smallint, $2 = 'reversal', x.layer, x.fund_code, x.national_field, x.amount_base, x.amount_paid
    FROM jsonb_to_recordset($25::jsonb)
      AS x(seq smallint, layer text, fund_code text, national_field text, amount_base numeric, amount_paid numeric)
    WHERE EXISTS (SELECT FROM s)
  ), i AS (
    INSERT INTO settlement_inputs (settlement_id, bill, person, ledger_before, ledger_after, policy_version_id, settlement_date)
    SELECT $1::uuid, $26::jsonb, $27::jsonb, $28::jsonb, $29::jsonb, $13::text, $10::date
    WHERE $26::jsonb IS NOT NULL AND EXISTS (SELECT FROM s)
  ), l AS (
    UPDATE person_ledgers SET data = $30::jsonb, updated_at = now()
    WHERE person_id = $5::text AND year = $31::int AND EXISTS (SELECT FROM s)
    RETURNING 1
  ), a AS (
    INSERT INTO audit_log (key_id, actor, action, target_type, target_id, detail)
    SELECT $32::uuid, $33::text, $34::text, 'settlement', $1::text, $35::jsonb
    WHERE $33::text IS NOT NULL AND EXISTS (SELECT FROM s)
  )
  SELECT (SELECT created_at FROM s), (SELECT created_at::text FROM s) AS created_at_text, EXISTS (SELECT FROM l) AS ledger_written`;

/**
 * Inserts the settlement row, its fund lines and its input snapshot, writes the ledger
 * and the audit row, in one statement (one round trip; a named prepared statement on a
 * pg client). The settlement declares its number of fund lines; the database checks once
 * per settlement, at commit, that exactly that many lines exist and sum to its fund total,
 * and refuses any line added later (migration 20261202090000). Throws (the caller's
 * transaction then rolls back) when the ledger row was not there to update: every caller
 * must have locked it first. Returns the row's created_at, or null when `hospitalTerms`
 * no longer match the hospital's period on the discharge date (a registry change
 * committed after the settlement read them): the caller must roll back.
 */
export async function insertSettlement(q: Transaction<DB> | pg.ClientBase, s: SettlementInsert): Promise<{ created_at: Date; created_at_text: string } | null> {
  const inputs = s.inputs;
  const rows = await runStatement<{ created_at: Date | null; created_at_text: string | null; ledger_written: boolean }>(q, 'settlement_insert_v4', INSERT_SETTLEMENT, [
    s.id, s.kind, s.reverses_id, s.hospital_id, s.person_id, s.visit_no, s.visit_type, s.admission_date, s.discharge_date,
    s.settlement_date, s.deciding_date, s.policy_year, s.policy_version_id, s.identity_used, s.idempotency_key, s.reason,
    s.amount_total, s.amount_fully_self_paid, s.amount_over_limit, s.amount_pre_self_pay, s.amount_in_scope, s.amount_fund_total, s.amount_patient,
    JSON.stringify(s.result),
    JSON.stringify(s.fundLines.map((l, seq) => ({ seq, ...l }))),
    inputs ? JSON.stringify(inputs.bill) : null,
    inputs ? JSON.stringify(inputs.person) : null,
    inputs ? JSON.stringify(inputs.ledger_before) : null,
    inputs ? JSON.stringify(inputs.ledger_after) : null,
    JSON.stringify(s.ledger.data), s.ledger.year,
    s.audit?.keyId ?? null, s.audit?.actor ?? null, s.audit?.action ?? null,
    s.audit ? JSON.stringify({ hospitalId: s.hospital_id, visitNo: s.visit_no, reverses: s.reverses_id }) : null,
    s.fundLines.length,
    s.hospitalTerms?.level ?? null, s.hospitalTerms?.regionCode ?? null,
  ]);
  const r = rows[0]!;
  // Only the registry guard keeps the settlement row out, and then nothing else of it is
  // written either; the caller must roll back what the transaction did before.
  if (r.created_at === null || r.created_at_text === null) return null;
  // The ledger row is locked (and created when absent) earlier in the transaction; a
  // write that found no row would silently lose the settlement's ledger effect.
  if (!r.ledger_written) throw new Error(`ledger of ${s.person_id}/${s.ledger.year} was not written: it was never locked`);
  return { created_at: r.created_at, created_at_text: r.created_at_text };
}

const OPEN_SETTLEMENT = `
  WITH r AS (
    SELECT ${hospitalOnDateJson('$1', '$2')} AS hospital, ${personJson('$3')} AS person
  ), k AS (
    INSERT INTO idempotency_keys (hospital_id, key, request_hash, request, settlement_id)
    SELECT (r.hospital->>'id')::uuid, $4::text, $5::text, $6::jsonb, $7::uuid FROM r
    WHERE r.hospital IS NOT NULL AND r.person IS NOT NULL
    ON CONFLICT (hospital_id, key) DO NOTHING RETURNING key
  ), l AS (
    INSERT INTO person_ledgers AS l (person_id, year, data)
    SELECT $3::text, $8::int, $9::jsonb WHERE EXISTS (SELECT FROM k) AND $8::int IS NOT NULL
    ON CONFLICT (person_id, year) DO UPDATE SET updated_at = l.updated_at
    RETURNING l.data
  )
  SELECT r.hospital, r.person, EXISTS (SELECT FROM k) AS claimed, (SELECT data FROM l) AS ledger FROM r`;

export interface OpenedSettlement<L> {
  /** The hospital as it was on the discharge date (undefined: no such code). */
  hospital: HospitalRow | undefined;
  person: PersonWithIdentities | undefined;
  /** False when the key is taken (by a committed request: an uncommitted holder is waited for) or the hospital or person is unknown. */
  claimed: boolean;
  /** The locked ledger of the year asked for, when claimed and a ledger was asked for. */
  ledger: L | null;
}

/**
 * The first statement of a settlement's transaction, one round trip: reads the hospital
 * (as on the discharge date) and the person with identities, claims the idempotency key
 * for a settlement id not yet inserted (the foreign key is deferred) and, only when the
 * claim succeeded and a `ledger` is named, locks the person's ledger row for its year,
 * creating it (as `ledger.empty`) when absent: ON CONFLICT DO UPDATE takes the row
 * lock whether the row is new or not, so a concurrent settlement of the same person waits
 * here for this one to commit and then sees its ledger. Nothing is claimed for an unknown
 * hospital or person; everything else the caller refuses rolls the claim back with the
 * transaction.
 */
export async function openSettlement<L>(
  client: pg.ClientBase,
  registry: { hospitalCode: string; personId: string; onDate: string },
  claim: { key: string; requestHash: string; requestJson: string; settlementId: string },
  ledger: { year: number; empty: L } | null,
): Promise<OpenedSettlement<L>> {
  const rows = await runStatement<{ hospital: HospitalRow | null; person: PersonWithIdentities | null; claimed: boolean; ledger: L | null }>(
    client, 'settlement_open_v1', OPEN_SETTLEMENT,
    [registry.onDate, registry.hospitalCode, registry.personId, claim.key, claim.requestHash, claim.requestJson, claim.settlementId, ledger?.year ?? null, ledger ? JSON.stringify(ledger.empty) : null],
  );
  const r = rows[0]!;
  if (r.claimed && ledger && r.ledger === null) throw new Error(`ledger of ${registry.personId}/${ledger.year} was neither found nor created`);
  return { hospital: r.hospital ?? undefined, person: r.person ?? undefined, claimed: r.claimed, ledger: r.ledger };
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
  /** Strictly older than this (created_at, id) position. */
  after?: { createdAt: string; id: string };
  limit: number;
}

/** Newest first, keyset-paged on (created_at, id). */
export async function listSettlements(db: Q, f: ListFilter): Promise<SettlementRecordRow[]> {
  let q = records(db);
  if (f.hospitalCode !== undefined) q = q.where('h.code', '=', f.hospitalCode);
  if (f.personId !== undefined) q = q.where('s.person_id', '=', f.personId);
  if (f.from !== undefined) q = q.where('s.settlement_date', '>=', f.from);
  if (f.to !== undefined) q = q.where('s.settlement_date', '<=', f.to);
  if (f.after) q = q.where(sql<boolean>`(s.created_at, s.id) < (${f.after.createdAt}::timestamptz, ${f.after.id}::uuid)`);
  return q.orderBy('s.created_at', 'desc').orderBy('s.id', 'desc').limit(f.limit).execute();
}
