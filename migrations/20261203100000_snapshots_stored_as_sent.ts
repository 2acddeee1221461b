import { sql, type Kysely } from 'kysely';

/*
 * The JSON a settlement leaves behind becomes `json`, the text as the service sent it,
 * instead of `jsonb`, which PostgreSQL takes apart into a binary tree on every insert
 * (keys copied, sorted and deduplicated) and prints again on every read:
 * - settlements.result: the engine's answer with every layer's explanation (about 5.4 KB
 *   for a five-line bill), the same text as the answer to the request that settled it;
 * - settlement_inputs.bill, .person, .ledger_before, .ledger_after: the input snapshot a
 *   replay recomputes from;
 * - idempotency_keys.request: the request in its canonical form, the very text whose
 *   SHA-256 is request_hash (a jsonb copy printed differently and could not be hashed
 *   again to check it).
 * These rows are append-only, nothing queries inside them by containment or indexes them:
 * reads fetch them whole, for an answer, a slip, a replay or a 409's differences.
 *
 * What jsonb cost: in a perf profile of bench:settle (2026-12-03, embedded PostgreSQL 17)
 * JSON input functions took about a sixth of the server's CPU, the result the largest
 * value among them; 20,000 results inserted five to a statement from one JSON array took
 * 3.9–5.1 s into a jsonb column and 2.9–3.5 s into a json one (PostgreSQL 15, pglz) and
 * were stored in 1,783 bytes against 2,164. json input still checks that the text is JSON.
 * In bench:settle at 32 connections (four alternating pairs of 15 s runs, 2026-12-03) the
 * server's CPU per settlement fell from 0.88–1.14 ms (mean 1.03) to 0.88–0.99 ms (mean
 * 0.93), the service's staying at 0.76–0.77 ms; a settlement leaves 6.7 KB on disk
 * instead of 7.5–7.7 KB (its row 2.6 instead of 3.4 KB) and 8.5 instead of 9.1–9.5 KB of WAL.
 *
 * What else changes: values written from now on read back byte for byte as sent, keys in
 * the order they were sent (stored jsonb printed them shortest first). Values already
 * stored are converted as jsonb prints them: same values, that key order. The JSON
 * operators (->, ->>, json_each, …) work on json too; equality does not, so a query that
 * compares these values casts them (::jsonb).
 *
 * settlements_immutable compared whole rows as jsonb, which would let an update rewrite a
 * stored answer's text (spacing, key order) without changing its values; it now compares
 * the result's text exactly and the other columns as before.
 *
 * Each type change rewrites its table and TOAST under an exclusive lock (reads wait too):
 * on large tables, plan the time. lz4 is set again where the server is built with it
 * (migration 20261202220000 set it on the jsonb columns).
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE settlements ALTER COLUMN result TYPE json USING result::json;
    ALTER TABLE settlement_inputs
      ALTER COLUMN bill TYPE json USING bill::json,
      ALTER COLUMN person TYPE json USING person::json,
      ALTER COLUMN ledger_before TYPE json USING ledger_before::json,
      ALTER COLUMN ledger_after TYPE json USING ledger_after::json;
    ALTER TABLE idempotency_keys ALTER COLUMN request TYPE json USING request::json;
    DO $$
    BEGIN
      IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE settlements ALTER COLUMN result SET COMPRESSION lz4;
        ALTER TABLE settlement_inputs
          ALTER COLUMN bill SET COMPRESSION lz4,
          ALTER COLUMN person SET COMPRESSION lz4,
          ALTER COLUMN ledger_before SET COMPRESSION lz4,
          ALTER COLUMN ledger_after SET COMPRESSION lz4;
      END IF;
    END $$;

    CREATE OR REPLACE FUNCTION settlements_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'settlements are append-only' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF OLD.reversed_by_id IS NOT NULL OR NEW.reversed_by_id IS NULL
         OR (to_jsonb(NEW) - 'reversed_by_id' - 'result') <> (to_jsonb(OLD) - 'reversed_by_id' - 'result')
         OR NEW.result::text IS DISTINCT FROM OLD.result::text THEN
        RAISE EXCEPTION 'only the reversal link of a settlement may be set, once'
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$;
  `.execute(db);
}
