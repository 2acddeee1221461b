import { sql, type Kysely } from 'kysely';

/*
 * GET /v1/settlements paged on (created_at, id), newest first. created_at is the moment of
 * the insert, and transactions do not commit in the order they insert: a settlement whose
 * transaction inserted first but committed last appeared below rows a client had already
 * paged past, so a HIS mirroring the list (paging down to the top row of its last pass)
 * never saw it. Nothing lost in the database, but missing from a hospital's copy: a
 * reconciliation difference.
 *
 * Each settlement now records the id of the transaction that wrote it (xact_id, xid8, the
 * full 64-bit id, never reused). A list reads only rows written by transactions older
 * than every transaction still running (pg_snapshot_xmin of its snapshot); any row that
 * becomes visible later has a larger id than every row listed before, so the list, ordered
 * by xact_id, only ever grows at its newest end. The price: a settlement is listed once
 * every transaction that began writing before it has ended, on the whole server
 * (transaction ids are the cluster's, whatever the database): milliseconds, unless some
 * session holds a writing transaction open (a large identity import, a forgotten psql
 * session or prepared transaction, another application's batch on a shared server).
 * GET /v1/settlements/{id} and by-key are unaffected.
 *
 * The ids are this cluster's own count. pg_upgrade and physical standbys keep it; a
 * logical copy (pg_dump and restore, logical replication) into a cluster whose count is
 * behind would bring rows "from the future", hidden from the list until the new cluster
 * catches up. The service warns at start when it finds such rows (see server.ts).
 *
 * Rows written before this migration get xact_id 0: older than every new row, and among
 * themselves in their old order (created_at, id), which stays the tie-breaker. The
 * constant default adds the column without rewriting the table; the transaction's id is
 * the default only from then on. The three list indexes are replaced by ones on xact_id
 * (each settlement still writes the same number of index entries). They are ascending,
 * read backwards for the newest-first list: a new row's entry then lands at the right
 * end of the whole-list index, where a b-tree inserts without descending from its root and
 * splits a full page leaving it 90% full, not half (the descending created_at index took
 * every new entry at its left end).
 *
 * The migration holds an exclusive lock on settlements until it commits (reads wait too)
 * while it builds the indexes. On a large table, do it in steps beforehand: the two
 * ALTER TABLE statements below (instant), then each index with CREATE INDEX CONCURRENTLY
 * under its name below, checking that none is left invalid (pg_index.indisvalid) by a
 * failed build; the IF NOT EXISTS clauses then skip what is there.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE settlements ADD COLUMN IF NOT EXISTS xact_id xid8 NOT NULL DEFAULT '0';
    ALTER TABLE settlements ALTER COLUMN xact_id SET DEFAULT pg_current_xact_id();
    COMMENT ON COLUMN settlements.xact_id IS 'id of the transaction that wrote the row (0: written before migration 20261204230000); GET /v1/settlements orders by it';
    CREATE INDEX IF NOT EXISTS settlements_hospital_list_by_xact ON settlements (hospital_id, xact_id, created_at, id);
    CREATE INDEX IF NOT EXISTS settlements_person_list_by_xact ON settlements (person_id, xact_id, created_at, id);
    CREATE INDEX IF NOT EXISTS settlements_list_by_xact ON settlements (xact_id, created_at, id);
    DROP INDEX IF EXISTS settlements_hospital_list_idx;
    DROP INDEX IF EXISTS settlements_person_list_idx;
    DROP INDEX IF EXISTS settlements_list_idx;
  `.execute(db);
}
