import { sql, type Kysely } from 'kysely';

/*
 * One insured person per ID-card number. Two persons sharing a card had two ledgers
 * (each paid its own deductible, and caps were split between them), and an identity
 * import could no longer say whose row it was (AMBIGUOUS_PERSON). The unique index
 * replaces the plain look-up index on the same expression.
 *
 * A database that already holds such groups stops here with the first twenty listed
 * (numbers masked). Settlements and ledgers are never moved between persons, so each
 * group is resolved on the persons row: a person registered under a wrong card gets its
 * real one; when both rows are the same human, the spare one's card is marked retired
 * (id_card || '-DUP-' || id), so identity imports reach the other, and its settlements
 * stay where they are. Then migrate again.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    DECLARE dup text; groups bigint;
    BEGIN
      SELECT count(*), string_agg(left(card, 6) || '********' || right(card, 4) || ' (' || ids || ')', '; ') FILTER (WHERE n <= 20)
        INTO groups, dup
      FROM (SELECT row_number() OVER (ORDER BY card) AS n, card, ids
            FROM (SELECT upper(id_card) AS card, string_agg(id, ', ' ORDER BY id) AS ids FROM persons GROUP BY 1 HAVING count(*) > 1) g) d;
      IF groups > 0 THEN
        RAISE EXCEPTION 'persons share an ID-card number (% group(s)): %', groups, dup
          USING HINT = 'give a person registered under a wrong card its real one, or retire the spare row''s card: '
            || 'UPDATE persons SET id_card = id_card || ''-DUP-'' || id WHERE id = ''<spare person>''; then migrate again';
      END IF;
    END $$;
  `.execute(db);
  await sql`CREATE UNIQUE INDEX persons_id_card_key ON persons (upper(id_card))`.execute(db);
  await sql`DROP INDEX persons_id_card_idx`.execute(db);
}
