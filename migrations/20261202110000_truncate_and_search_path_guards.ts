import { sql, type Kysely } from 'kysely';

/*
 * Closes three ways around the database's own guarantees that a review found.
 *
 * - TRUNCATE fires no row triggers, so it emptied append-only tables the row triggers
 *   protect (only audit_log had a statement-level guard). Every table whose rows are
 *   append-only, close-only or revoke-only now refuses TRUNCATE the same way.
 * - A person's ledger row could be deleted, which would reset the year's accumulators
 *   (deductible paid, cap used) under the settlements that built them. Ledger rows are
 *   updated by settlements and reversals only; DELETE and TRUNCATE are refused.
 * - Trigger functions that name a table resolve it through search_path, where a
 *   session's temporary tables come first: a session could shadow settlement_fund_lines
 *   with a temp table and make the fund-line check read that. The two functions that
 *   read or write a table now run with search_path pinned to the schema the migrations
 *   run in, temporary tables last.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    DECLARE t text;
    BEGIN
      FOREACH t IN ARRAY ARRAY['settlements', 'settlement_fund_lines', 'settlement_inputs', 'idempotency_keys',
                               'identities', 'hospital_periods', 'identity_imports', 'api_keys'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION append_only()', t || '_no_truncate', t);
      END LOOP;
    END $$;

    CREATE FUNCTION ledger_rows_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% rows are never deleted: a ledger is the running sum of its settlements', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
    END $$;
    CREATE TRIGGER person_ledgers_kept BEFORE DELETE ON person_ledgers
      FOR EACH ROW EXECUTE FUNCTION ledger_rows_kept();
    CREATE TRIGGER person_ledgers_no_truncate BEFORE TRUNCATE ON person_ledgers
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_rows_kept();

    DO $$
    BEGIN
      EXECUTE format('ALTER FUNCTION settlement_fund_lines_check() SET search_path = %I, pg_temp', current_schema());
      EXECUTE format('ALTER FUNCTION hospital_first_period() SET search_path = %I, pg_temp', current_schema());
    END $$;
  `.execute(db);
}
