import type { Db } from '../db/database.js';

/** A PostgreSQL unique violation (23505), optionally of one named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

export async function activeSettlementOf(db: Db, hospitalId: string, visitNo: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('settlements')
    .select('id')
    .where('hospital_id', '=', hospitalId)
    .where('visit_no', '=', visitNo)
    .where('kind', '=', 'settlement')
    .where('reversed_by_id', 'is', null)
    .executeTakeFirst();
  return row?.id;
}
