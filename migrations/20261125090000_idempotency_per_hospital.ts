import { sql, type Kysely } from 'kysely';

/*
 * Idempotency keys belong to a hospital.
 *
 * Each HIS makes up its own keys (often a sequence such as "his-2026-000123"), so two
 * hospitals will send the same key. With one global key space the second hospital was
 * refused for ever and its 409 named the first hospital's patient and visit. Keys are
 * now unique per hospital: the primary key becomes (hospital_id, key), and every look-up
 * (claim, retry, "what happened to my request?") names the hospital.
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE idempotency_keys ADD COLUMN hospital_id uuid REFERENCES hospitals (id);
    UPDATE idempotency_keys k SET hospital_id = s.hospital_id FROM settlements s WHERE s.id = k.settlement_id;
    ALTER TABLE idempotency_keys ALTER COLUMN hospital_id SET NOT NULL;
    ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
    ALTER TABLE idempotency_keys ADD PRIMARY KEY (hospital_id, key);
  `.execute(db);
}
