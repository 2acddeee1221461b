import { sql, type Transaction } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';
import type { StoredWindow } from '../../services/identity-plan.js';

/*
 * Persons' identity windows and identity-import batches. Imports run in one transaction:
 * the persons named are locked (in id order, so two imports cannot deadlock), windows
 * are closed in one statement and inserted in multi-row chunks from arrays.
 */

type Q = Db | Transaction<DB>;

/** Serialises imports of one batch id for the rest of the transaction. */
export async function lockBatch(trx: Transaction<DB>, batchId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`identity-import:${batchId}`}, 0))`.execute(trx);
}

export async function findImport(q: Q, batchId: string) {
  return q.selectFrom('identity_imports').select(['batch_id', 'source', 'content_hash', 'report', 'created_at']).where('batch_id', '=', batchId).executeTakeFirst();
}

export async function insertImport(trx: Transaction<DB>, i: { batch_id: string; source: string; content_hash: string; report: unknown; key_id: string | null }): Promise<Date> {
  const r = await trx.insertInto('identity_imports').values({ ...i, report: JSON.stringify(i.report) }).returning('created_at').executeTakeFirstOrThrow();
  return r.created_at;
}

/**
 * Persons by ID-card number, locked for the import: two imports of one person serialise.
 * FOR NO KEY UPDATE, not FOR UPDATE: settlements' foreign-key checks take key-share locks
 * on their persons' rows (several per shared transaction, see settleJobs), which FOR UPDATE
 * would wait for, and an import locking several persons could then deadlock with them.
 */
export async function lockPersonsByIdCard(trx: Transaction<DB>, idCards: string[]): Promise<Array<{ id: string; id_card: string }>> {
  const r = await sql<{ id: string; id_card: string }>`
    SELECT id, upper(id_card) AS id_card FROM persons WHERE upper(id_card) = ANY(${idCards}::text[]) ORDER BY id FOR NO KEY UPDATE`.execute(trx);
  return r.rows;
}

export async function windowsOf(q: Q, personIds: string[]): Promise<StoredWindow[]> {
  const r = await sql<StoredWindow>`
    SELECT id::text AS id, person_id AS "personId", category, valid_from AS "validFrom", valid_to AS "validTo"
    FROM identities WHERE person_id = ANY(${personIds}::text[])`.execute(q);
  return r.rows;
}

export async function closeWindows(trx: Transaction<DB>, closes: Array<{ id: string; validTo: string }>, batchId: string): Promise<void> {
  if (closes.length === 0) return;
  await sql`
    UPDATE identities i SET valid_to = x.valid_to, closed_batch = ${batchId}
    FROM unnest(${closes.map((c) => c.id)}::bigint[], ${closes.map((c) => c.validTo)}::date[]) AS x(id, valid_to)
    WHERE i.id = x.id`.execute(trx);
}

export async function insertWindows(
  trx: Transaction<DB>,
  rows: Array<{ personId: string; category: string; validFrom: string; validTo: string | null }>,
  source: string,
  batchId: string,
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    INSERT INTO identities (person_id, category, valid_from, valid_to, source, batch)
    SELECT x.person_id, x.category, x.valid_from, x.valid_to, ${source}, ${batchId}
    FROM unnest(${rows.map((r) => r.personId)}::text[], ${rows.map((r) => r.category)}::text[],
                ${rows.map((r) => r.validFrom)}::date[], ${rows.map((r) => r.validTo)}::date[]) AS x(person_id, category, valid_from, valid_to)`.execute(trx);
}

/**
 * Active settlements of the given persons decided on or after each person's date, oldest
 * first (at most `limit`), and how many there are in all: those computed with identity
 * windows an import has since changed.
 */
export async function activeSettlementsSince(q: Q, since: ReadonlyMap<string, string>, limit: number) {
  if (since.size === 0) return { items: [], count: 0 };
  const r = await sql<{ settlementId: string; personId: string; hospitalCode: string; visitNo: string; decidingDate: string; identityUsed: string | null; count: string }>`
    SELECT s.id::text AS "settlementId", s.person_id AS "personId", h.code AS "hospitalCode", s.visit_no AS "visitNo",
      s.deciding_date AS "decidingDate", s.identity_used AS "identityUsed", count(*) OVER () AS count
    FROM unnest(${[...since.keys()]}::text[], ${[...since.values()]}::date[]) AS c(person_id, since)
    JOIN settlements s ON s.person_id = c.person_id AND s.deciding_date >= c.since AND s.kind = 'settlement' AND s.reversed_by_id IS NULL
    JOIN hospitals h ON h.id = s.hospital_id
    ORDER BY s.deciding_date, s.id
    LIMIT ${limit}`.execute(q);
  return { items: r.rows.map(({ count: _c, ...row }) => row), count: Number(r.rows[0]?.count ?? 0) };
}
