import { sql, type Kysely } from 'kysely';

/*
 * A settlement's result (about 5.4 KB of JSON) is compressed on every insert, and so is
 * its input snapshot's bill once the row passes the TOAST threshold. PostgreSQL's
 * default method, pglz, took about 6.6% of the embedded server's CPU in a perf profile
 * of bench:settle (2026-12-02). With lz4 the same inserts take about half as long
 * (PostgreSQL 15 here: 20,000 copies of a settlement's result, each made distinct in the
 * statement, inserted in 1.5–1.8 s with lz4 against 3.2–3.5 s with pglz) and read back
 * faster, for values about 17% larger (2,531 against 2,164 bytes on disk).
 *
 * Only a server built with lz4 offers it (default_toast_compression then lists 'lz4'):
 * the official PostgreSQL images and the distributions' packages are; the embedded
 * server's binaries are not, and there this migration changes nothing. SET COMPRESSION
 * applies to values written from now on; stored ones stay as they are, and both read
 * back the same. No rewrite, a short exclusive lock on each table.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
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
  `.execute(db);
}
