import type { ListedRow, ListPosition, SettlementInsert, SettlementRecordRow } from '../db/repositories/settlements.js';
import type { SettlementWire } from '../domain/wire.js';
import { isCivilDate } from './dates.js';
import type { SettlementRecord, SettlementSummary } from '../http/schemas/settlements.js';
import { AppError } from '../http/errors.js';

/** Maps stored rows to the API's record shapes (the only place that knows both). */

function status(row: SettlementRecordRow): SettlementRecord['status'] {
  if (row.kind === 'reversal') return 'reversal';
  return row.reversed_by_id ? 'reversed' : 'active';
}

export function toSummary(row: SettlementRecordRow): SettlementSummary {
  return {
    id: row.id,
    kind: row.kind,
    status: status(row),
    reverses: row.reverses_id,
    reversedBy: row.reversed_by_id,
    hospitalCode: row.hospital_code,
    personId: row.person_id,
    visitNo: row.visit_no,
    settlementDate: row.settlement_date,
    createdAt: row.created_at.toISOString(),
    total: row.amount_total,
    fundTotal: row.amount_fund_total,
    patientShare: row.amount_patient,
  };
}

export function toRecord(row: SettlementRecordRow): SettlementRecord {
  return {
    ...toSummary(row),
    reason: row.reason,
    idempotencyKey: row.idempotency_key,
    visitType: row.visit_type,
    admissionDate: row.admission_date,
    dischargeDate: row.discharge_date,
    policyVersionId: row.policy_version_id,
    settlement: row.kind === 'settlement' ? (row.result as SettlementWire) : null,
    reversal: row.kind === 'reversal' ? (row.result as SettlementRecord['reversal']) : null,
  };
}

/** The record of a row this process just inserted, without reading it back. */
export function insertedRow(s: SettlementInsert, hospitalCode: string, created: { created_at: Date; created_at_text: string }): SettlementRecordRow {
  return {
    id: s.id, kind: s.kind, reverses_id: s.reverses_id, reversed_by_id: null, hospital_id: s.hospital_id, hospital_code: hospitalCode,
    person_id: s.person_id, visit_no: s.visit_no, visit_type: s.visit_type, admission_date: s.admission_date, discharge_date: s.discharge_date,
    settlement_date: s.settlement_date, deciding_date: s.deciding_date, policy_year: s.policy_year, policy_version_id: s.policy_version_id,
    identity_used: s.identity_used, idempotency_key: s.idempotency_key, reason: s.reason, amount_total: s.amount_total,
    amount_fund_total: s.amount_fund_total, amount_patient: s.amount_patient, result: s.result, ...created,
  };
}

/** PostgreSQL's text form of a timestamptz, e.g. "2026-06-15 10:00:00.123456+08". */
const TIMESTAMPTZ_TEXT = /^(\d{4}-\d{2}-\d{2}) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-](0\d|1[0-5])(:[0-5]\d)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A timestamptz text PostgreSQL will read back: the shape, each time field in range, a real date (there is no year 0). */
function isTimestampText(s: string): boolean {
  const m = TIMESTAMPTZ_TEXT.exec(s);
  return m !== null && isCivilDate(m[1]!) && !m[1]!.startsWith('0000');
}

/** xid8's text: a decimal of at most 2^64 - 1, no leading zeros. */
const XID8_TEXT = /^(0|[1-9]\d{0,19})$/;
const XID8_MAX = 2n ** 64n - 1n;

/** Opaque keyset cursor: the last row's exact list position (xact_id, created_at, id). */
export function encodeCursor(row: ListedRow): string {
  return Buffer.from(JSON.stringify([row.xact_id, row.created_at_text, row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 3) {
    const [xactId, createdAt, id] = parsed as unknown[];
    if (typeof xactId === 'string' && XID8_TEXT.test(xactId) && BigInt(xactId) <= XID8_MAX
      && typeof createdAt === 'string' && isTimestampText(createdAt) && typeof id === 'string' && UUID.test(id)) {
      return { xactId, createdAt, id };
    }
  }
  // (Cursors of the list before migration 20261204230000 held two positions; they land here too.)
  throw new AppError('INVALID_CURSOR', 'cursor is not one this API returned (or is from an earlier version of it): list again from the first page', { cursor });
}
