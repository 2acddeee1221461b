import type { Db } from '../db/database.js';

/** A PostgreSQL unique violation (23505), optionally of one named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** The active (not reversed) settlement of a hospital's visit, by hospital code. */
export async function activeSettlementOf(db: Db, hospitalCode: string, visitNo: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('settlements as s')
    .innerJoin('hospitals as h', 'h.id', 's.hospital_id')
    .select('s.id')
    .where('h.code', '=', hospitalCode)
    .where('s.visit_no', '=', visitNo)
    .where('s.kind', '=', 'settlement')
    .where('s.reversed_by_id', 'is', null)
    .executeTakeFirst();
  return row?.id;
}
