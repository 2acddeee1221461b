import type { Db } from '../db/database.js';
import { readLedger } from '../db/repositories/ledgers.js';
import { personExists } from '../db/repositories/reference.js';
import { findIdempotencyRecord, findSettlement, listSettlements, settlementsWithheld, type ListFilter } from '../db/repositories/settlements.js';
import { policyYearOf } from '../domain/select.js';
import { emptyLedger } from '../domain/ledger.js';
import { ledgerToWire, type LedgerWire } from '../domain/wire.js';
import { AppError, notFound } from '../http/errors.js';
import type { ListQuery, SettlementRecord, SettlementSummary } from '../http/schemas/settlements.js';
import type { Clock } from './clock.js';
import { decodeCursor, encodeCursor, toRecord, toSummary } from './records.js';

export async function getSettlement(db: Db, id: string): Promise<SettlementRecord> {
  const row = await findSettlement(db, id);
  if (!row) throw notFound('SETTLEMENT_NOT_FOUND', id);
  return toRecord(row);
}

/** "What happened to my request?" after a lost response: only committed outcomes exist here. */
export async function getSettlementByKey(db: Db, hospitalCode: string, key: string): Promise<SettlementRecord> {
  const rec = await findIdempotencyRecord(db, hospitalCode, key);
  if (!rec) throw new AppError('SETTLEMENT_NOT_FOUND', `no settlement was committed for Idempotency-Key ${key}`, { idempotencyKey: key });
  return getSettlement(db, rec.settlement_id);
}

export async function listSettlementPage(db: Db, q: ListQuery): Promise<{ items: SettlementSummary[]; nextCursor: string | null; withheld: boolean }> {
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
    throw new AppError('VALIDATION_FAILED', `from (${q.from}) is after to (${q.to})`, { errors: [{ path: '/querystring/from', message: 'after to' }] });
  }
  const filter: ListFilter = {
    ...(q.hospital !== undefined ? { hospitalCode: q.hospital } : {}),
    ...(q.person !== undefined ? { personId: q.person } : {}),
    ...(q.from !== undefined ? { from: q.from } : {}),
    ...(q.to !== undefined ? { to: q.to } : {}),
    ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor) } : {}),
    limit: q.limit + 1,
  };
  // Two statements of their own (an empty page has no row to carry the flag), sent together.
  const [rows, withheld] = await Promise.all([listSettlements(db, filter), settlementsWithheld(db, filter)]);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { items: page.map(toSummary), nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null, withheld };
}

/** 5206 analogue: the person's accumulators for a policy year (zeros when nothing was settled). */
export async function getLedger(db: Db, clock: Clock, personId: string, year?: number): Promise<{ personId: string; year: number; exists: boolean; ledger: LedgerWire }> {
  const y = year ?? policyYearOf(clock());
  const [exists, ledger] = await Promise.all([personExists(db, personId), readLedger(db, personId, y)]);
  if (!exists) throw notFound('PERSON_NOT_FOUND', personId);
  return { personId, year: y, exists: ledger !== undefined, ledger: ledger ?? ledgerToWire(emptyLedger(y)) };
}
