import { sql, type Transaction } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';
import type { LedgerWire } from '../../domain/wire.js';

/*
 * The per-person annual accumulators. Every writer locks the row first (SELECT … FOR
 * UPDATE inside its transaction), which is what serialises concurrent settlements of one
 * person: the second waits for the first to commit and then sees its ledger.
 */

/** Locks (creating it first if absent) the person's ledger row for the year; returns its data or null when new. */
export async function lockLedger(trx: Transaction<DB>, personId: string, year: number, empty: () => LedgerWire): Promise<LedgerWire> {
  const select = () =>
    sql<{ data: LedgerWire }>`SELECT data FROM person_ledgers WHERE person_id = ${personId} AND year = ${year} FOR UPDATE`.execute(trx);
  let rows = (await select()).rows;
  if (rows.length === 0) {
    // ON CONFLICT DO NOTHING: a concurrent first settlement may create it at the same time.
    await sql`INSERT INTO person_ledgers (person_id, year, data) VALUES (${personId}, ${year}, ${JSON.stringify(empty())}) ON CONFLICT DO NOTHING`.execute(trx);
    rows = (await select()).rows;
  }
  return rows[0]!.data;
}

export async function writeLedger(trx: Transaction<DB>, personId: string, year: number, data: LedgerWire): Promise<void> {
  await sql`UPDATE person_ledgers SET data = ${JSON.stringify(data)}, updated_at = now() WHERE person_id = ${personId} AND year = ${year}`.execute(trx);
}

export async function readLedger(db: Db | Transaction<DB>, personId: string, year: number): Promise<LedgerWire | undefined> {
  const row = await db.selectFrom('person_ledgers').select('data').where('person_id', '=', personId).where('year', '=', year).executeTakeFirst();
  return row?.data as LedgerWire | undefined;
}
