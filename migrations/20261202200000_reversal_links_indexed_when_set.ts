import { sql, type Kysely } from 'kysely';

/*
 * The UNIQUE constraints on settlements.reverses_id and settlements.reversed_by_id
 * (initial schema) indexed every row, though both links are NULL on every settlement
 * when it is inserted: two of the nine index entries each settlement wrote held nothing
 * but a NULL (pg_waldump of bench:settle, 2026-12-02: 22 b-tree inserts per settlement).
 * A unique index never compares NULLs, so a partial unique index over the rows where the
 * link is set refuses exactly what the constraint refused: a second reversal of one
 * settlement, one reversal linked from two settlements. Equality look-ups on either
 * column (a settlement's reversal; the foreign keys' checks) imply IS NOT NULL and use it.
 *
 * The new indexes keep the constraints' names, so errors read as before. Built while the
 * old ones still stand, then the old ones dropped: one transaction, a short exclusive
 * lock on a table that only grows (on a large one, build the partial indexes beforehand
 * with CREATE UNIQUE INDEX CONCURRENTLY under the names settlements_reverses_id_set and
 * settlements_reversed_by_id_set: IF NOT EXISTS then skips building them here).
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE UNIQUE INDEX IF NOT EXISTS settlements_reverses_id_set ON settlements (reverses_id) WHERE reverses_id IS NOT NULL;
    CREATE UNIQUE INDEX IF NOT EXISTS settlements_reversed_by_id_set ON settlements (reversed_by_id) WHERE reversed_by_id IS NOT NULL;
    ALTER TABLE settlements DROP CONSTRAINT settlements_reverses_id_key;
    ALTER TABLE settlements DROP CONSTRAINT settlements_reversed_by_id_key;
    ALTER INDEX settlements_reverses_id_set RENAME TO settlements_reverses_id_key;
    ALTER INDEX settlements_reversed_by_id_set RENAME TO settlements_reversed_by_id_key;
  `.execute(db);
}
