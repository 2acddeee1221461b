import type pg from 'pg';
import type { Transaction } from 'kysely';
import { runStatement, type Db } from '../database.js';
import type { DB } from '../schema.js';
import type { LedgerWire } from '../../domain/wire.js';

/*
 * The per-person annual accumulators. Every writer locks the row first (SELECT … FOR
 * UPDATE inside its transaction), which is what serialises concurrent settlements of one
 * person: the second waits for the first to commit and then sees its ledger.
 */

/**
 * Locks the person's ledger row for the year, creating it first when absent, in one
 * statement: ON CONFLICT DO UPDATE takes the row lock whether the row is new or not, and
 * a concurrent first settlement of the same person simply waits for this one.
 */
export async function lockLedger(q: Transaction<DB> | pg.ClientBase, personId: string, year: number, empty: LedgerWire): Promise<LedgerWire> {
  const rows = await runStatement<{ data: LedgerWire }>(q, 'ledger_lock_v1', LOCK_LEDGER, [personId, year, JSON.stringify(empty)]);
  return rows[0]!.data;
}

const LOCK_LEDGER = `
  INSERT INTO person_ledgers AS l (person_id, year, data) VALUES ($1::text, $2::int, $3::jsonb)
  ON CONFLICT (person_id, year) DO UPDATE SET updated_at = l.updated_at
  RETURNING l.data`;

export async function readLedger(db: Db | Transaction<DB>, personId: string, year: number): Promise<LedgerWire | undefined> {
  const row = await db.selectFrom('person_ledgers').select('data').where('person_id', '=', personId).where('year', '=', year).executeTakeFirst();
  return row?.data as LedgerWire | undefined;
}
