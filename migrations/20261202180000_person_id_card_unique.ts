import { sql, type Kysely } from 'kysely';

/*
 * One insured person per ID-card number. Two persons sharing a card had two ledgers
 * (each paid its own deductible, and caps were split between them), and an identity
 * import could no longer say whose row it was (AMBIGUOUS_PERSON). The unique index
 * replaces the plain look-up index on the same expression.
 *
 * A database that already holds such pairs stops here with their numbers listed
 * (masked): merge each pair (move the settlements' person, then delete the spare row)
 * before migrating again.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    DECLARE dup text;
    BEGIN
      SELECT string_agg(left(card, 6) || '********' || right(card, 4) || ' (' || ids || ')', '; ') INTO dup
      FROM (SELECT upper(id_card) AS card, string_agg(id, ', ' ORDER BY id) AS ids FROM persons GROUP BY 1 HAVING count(*) > 1) d;
      IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'persons share an ID-card number: %', dup
          USING HINT = 'merge each group into one person, then migrate again';
      END IF;
    END $$;
  `.execute(db);
  await sql`CREATE UNIQUE INDEX persons_id_card_key ON persons (upper(id_card))`.execute(db);
  await sql`DROP INDEX persons_id_card_idx`.execute(db);
}
