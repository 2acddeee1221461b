import { sql, type Kysely } from 'kysely';

/*
 * The fund-line sum is checked once per settlement instead of once per line.
 *
 * The initial schema checked "a settlement's fund lines sum to its fund total and carry
 * its sign" with two deferred constraint triggers: one per settlement row and one per
 * fund line, so a settlement with four lines re-summed its lines five times at commit.
 * Only the check per settlement row is needed, provided no line can join a settlement
 * after that check has run. So:
 *
 * - One deferred constraint trigger per settlement row sums its lines once, at commit.
 *   It reads the amounts from NEW: settlement amounts are immutable (settlements_immutable),
 *   so the inserted row is the row being checked.
 * - Fund lines may only be inserted by the very statement that inserts their settlement
 *   (the settlement row's xmin and cmin equal the line's: same transaction, same command).
 *   A line for a settlement committed earlier, or inserted by an earlier statement of the
 *   same transaction, is refused at once. The second half matters because
 *   `SET CONSTRAINTS … IMMEDIATE` can run the sum check at the end of the settlement's
 *   statement; a line added by a later statement would then never be checked. The
 *   service inserts a settlement, its lines and its snapshot in one statement
 *   (src/db/repositories/settlements.ts), so this costs it nothing.
 * - The settlement row must also still carry no reversal link. The one update ever
 *   allowed sets that link, and an updated row version carries the updating statement's
 *   xmin and cmin; without this condition a statement that links a reversal could slip
 *   lines into the original it links.
 *
 * The guard is one statement-level trigger (a transition table of the new lines), so a
 * settlement's insert runs one guard query and one sum at commit.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER fund_lines_total ON settlement_fund_lines;
    DROP TRIGGER settlements_fund_total ON settlements;
    DROP FUNCTION fund_lines_total_check();
    DROP FUNCTION settlements_fund_total_check();
    DROP FUNCTION check_fund_lines(uuid);

    -- At commit, once per settlement: its fund lines sum to its fund total and carry its sign.
    CREATE FUNCTION settlement_fund_lines_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE total numeric; bad integer;
    BEGIN
      SELECT coalesce(sum(amount_paid), 0), count(*) FILTER (WHERE reversal <> (NEW.kind = 'reversal'))
        INTO total, bad FROM settlement_fund_lines WHERE settlement_id = NEW.id;
      IF total <> NEW.amount_fund_total OR bad > 0 THEN
        RAISE EXCEPTION 'fund lines of settlement % sum to %, fund total is %', NEW.id, total, NEW.amount_fund_total
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER settlements_fund_lines_sum AFTER INSERT ON settlements
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION settlement_fund_lines_check();

    -- Lines only arrive with their settlement, in the statement that inserts it.
    CREATE FUNCTION fund_lines_with_settlement() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE late uuid;
    BEGIN
      SELECT n.settlement_id INTO late
        FROM new_lines n
        JOIN settlement_fund_lines f ON (f.settlement_id, f.seq) = (n.settlement_id, n.seq)
        JOIN settlements s ON s.id = n.settlement_id
        WHERE s.reversed_by_id IS NOT NULL OR NOT (s.xmin = f.xmin AND s.cmin = f.cmin)
        LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'fund lines of settlement % can only be inserted by the statement that inserts the settlement', late
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER fund_lines_with_settlement AFTER INSERT ON settlement_fund_lines
      REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION fund_lines_with_settlement();
  `.execute(db);
}
