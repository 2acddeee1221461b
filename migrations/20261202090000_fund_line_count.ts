import { sql, type Kysely } from 'kysely';

/*
 * A settlement declares how many fund lines it has; the lines carry that count and a
 * foreign key pins it to the settlement's. This replaces the statement-level guard of
 * 20261126090000 (a PL/pgSQL trigger over a transition table that compared xmin/cmin of
 * each new line with its settlement's), which cost about a tenth of a millisecond of
 * PostgreSQL CPU on every settlement.
 *
 * Why nothing can join a settlement after its check any more:
 * - A line's seq lies in [0, line_count) (CHECK), and (settlement_id, line_count)
 *   references settlements (id, fund_line_count), so every line of a settlement has
 *   seq in [0, fund_line_count).
 * - The deferred check per settlement row (still once per settlement, at commit or at
 *   `SET CONSTRAINTS … IMMEDIATE`) now also requires exactly fund_line_count lines. With
 *   (settlement_id, seq) the primary key, that means every seq of the range is taken.
 * - So a line added afterwards, by any statement of any transaction, either breaks the
 *   CHECK, or the foreign key, or the primary key. The reversal link (the one update a
 *   settlement allows) cannot change fund_line_count: settlements_immutable compares the
 *   whole row, and the foreign key refuses to change a referenced key.
 *
 * Existing rows are backfilled with their actual line counts (the append-only triggers
 * are switched off for that statement only, inside this migration's transaction).
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER fund_lines_with_settlement ON settlement_fund_lines;
    DROP FUNCTION fund_lines_with_settlement();

    ALTER TABLE settlements ADD COLUMN fund_line_count smallint;
    ALTER TABLE settlements DISABLE TRIGGER settlements_immutable;
    UPDATE settlements s SET fund_line_count = (SELECT count(*) FROM settlement_fund_lines f WHERE f.settlement_id = s.id);
    ALTER TABLE settlements ENABLE TRIGGER settlements_immutable;
    ALTER TABLE settlements ALTER COLUMN fund_line_count SET NOT NULL,
      ADD CONSTRAINT settlements_fund_line_count_check CHECK (fund_line_count >= 0),
      ADD CONSTRAINT settlements_id_fund_line_count_key UNIQUE (id, fund_line_count);

    ALTER TABLE settlement_fund_lines ADD COLUMN line_count smallint;
    ALTER TABLE settlement_fund_lines DISABLE TRIGGER fund_lines_append_only;
    UPDATE settlement_fund_lines f SET line_count = s.fund_line_count FROM settlements s WHERE s.id = f.settlement_id;
    ALTER TABLE settlement_fund_lines ENABLE TRIGGER fund_lines_append_only;
    ALTER TABLE settlement_fund_lines ALTER COLUMN line_count SET NOT NULL,
      ADD CONSTRAINT settlement_fund_lines_seq_in_count CHECK (seq < line_count),
      ADD CONSTRAINT settlement_fund_lines_settlement_count_fkey
        FOREIGN KEY (settlement_id, line_count) REFERENCES settlements (id, fund_line_count),
      DROP CONSTRAINT settlement_fund_lines_settlement_id_fkey;

    -- At commit, once per settlement: exactly its declared lines, summing to its fund total, carrying its sign.
    CREATE OR REPLACE FUNCTION settlement_fund_lines_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE agg record;
    BEGIN
      SELECT count(*) AS lines, coalesce(sum(amount_paid), 0) AS paid,
             coalesce(bool_and(reversal = (NEW.kind = 'reversal')), true) AS signs_ok
        INTO agg FROM settlement_fund_lines WHERE settlement_id = NEW.id;
      IF agg.lines <> NEW.fund_line_count THEN
        RAISE EXCEPTION 'settlement % declares % fund lines, has %', NEW.id, NEW.fund_line_count, agg.lines
          USING ERRCODE = 'check_violation';
      ELSIF agg.paid <> NEW.amount_fund_total OR NOT agg.signs_ok THEN
        RAISE EXCEPTION 'fund lines of settlement % sum to %, fund total is %', NEW.id, agg.paid, NEW.amount_fund_total
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$;
  `.execute(db);
}
