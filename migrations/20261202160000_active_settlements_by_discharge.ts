import { sql, type Kysely } from 'kysely';

/*
 * A hospital change is refused while active settlements of that hospital were discharged
 * on or after its effective date (services/hospitals.ts, settledSince). That check runs
 * while the change holds the hospital row's lock, which every settlement of the hospital
 * waits for; without an index it read every settlement the hospital ever had. This
 * partial index answers it from the few entries on or after the date. Its cost is one
 * more index entry per settlement (removed from the index when it is reversed, like the
 * one-active-visit index with the same predicate).
 *
 * Plain CREATE INDEX: on a large existing table, build it beforehand with CREATE INDEX
 * CONCURRENTLY under this name (IF NOT EXISTS then skips it here).
 *
 * Frozen in time: this file never imports application code and is never edited once
 * landed; a change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX IF NOT EXISTS settlements_active_discharge_idx ON settlements (hospital_id, discharge_date)
      WHERE kind = 'settlement' AND reversed_by_id IS NULL;
  `.execute(db);
}
