import type { Db } from '../database.js';

/** The hospital a settlement belongs to (for hospital-bound keys); undefined when there is no such settlement. */
export async function hospitalOfSettlement(db: Db, id: string): Promise<string | undefined> {
  return (await db.selectFrom('settlements').select('hospital_id').where('id', '=', id).executeTakeFirst())?.hospital_id;
}

export async function hospitalCodeExists(db: Db, code: string): Promise<boolean> {
  return (await db.selectFrom('hospitals').select('id').where('code', '=', code).executeTakeFirst()) !== undefined;
}

/** True when the person has any settlement or reversal at the hospital (its patient, for ledger reads). */
export async function personSettledAt(db: Db, personId: string, hospitalId: string): Promise<boolean> {
  const row = await db.selectFrom('settlements').select('id').where('person_id', '=', personId).where('hospital_id', '=', hospitalId).limit(1).executeTakeFirst();
  return row !== undefined;
}
