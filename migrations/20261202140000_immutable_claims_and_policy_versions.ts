import { sql, type Kysely } from 'kysely';

/*
 * Two more tables the service only ever inserts into become append-only in the
 * database itself, as settlements, fund lines and snapshots already are.
 *
 * - idempotency_keys: 20261202110000 refused TRUNCATE but not row updates or deletes.
 *   A deleted record turns a hospital's retry into 409 VISIT_ALREADY_SETTLED instead of
 *   the stored answer; an edited settlement_id would replay another settlement.
 * - policy_versions: a version is the rule set that computed the settlements naming it,
 *   and replay recomputes from it. Start-up used to replace a bundled pack's stored
 *   content while no committed settlement named the version, but that could not be made
 *   safe: a settlement in flight holds only a key-share lock on the version row, which an
 *   update of its other columns does not wait for, and other processes keep computing
 *   with the content they cached. A version's content is now fixed once stored: a
 *   changed pack is published under a new id (start-up reports a differing bundled pack
 *   and keeps the stored one). DELETE and TRUNCATE are refused as well.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TRIGGER idempotency_keys_append_only BEFORE UPDATE OR DELETE ON idempotency_keys
      FOR EACH ROW EXECUTE FUNCTION append_only();

    CREATE TRIGGER policy_versions_append_only BEFORE UPDATE OR DELETE ON policy_versions
      FOR EACH ROW EXECUTE FUNCTION append_only();
    CREATE TRIGGER policy_versions_no_truncate BEFORE TRUNCATE ON policy_versions
      FOR EACH STATEMENT EXECUTE FUNCTION append_only();
  `.execute(db);
}
