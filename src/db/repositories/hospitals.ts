import type { Transaction } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';

/*
 * Designated hospitals and their periods (level, region and name per designated
 * window). Changes lock the hospital row, close the covering period and append the next
 * one; the migration refuses any other update of a period.
 */

type Q = Db | Transaction<DB>;

export interface PeriodRow {
  id: string;
  hospital_id: string;
  name: string;
  level: number;
  region_code: string;
  valid_from: string;
  valid_to: string | null;
}

const hospitalColumns = ['id', 'code', 'name', 'level', 'region_code', 'designated_from', 'designated_to'] as const;

export async function findHospital(q: Q, code: string) {
  return q.selectFrom('hospitals').select(hospitalColumns).where('code', '=', code).executeTakeFirst();
}

export async function lockHospital(trx: Transaction<DB>, code: string) {
  return trx.selectFrom('hospitals').select(hospitalColumns).where('code', '=', code).forUpdate().executeTakeFirst();
}

export async function listHospitalRows(q: Q) {
  return q.selectFrom('hospitals').select(hospitalColumns).orderBy('code').execute();
}

export async function periodsOf(q: Q, hospitalIds: string[]): Promise<PeriodRow[]> {
  if (hospitalIds.length === 0) return [];
  return q
    .selectFrom('hospital_periods')
    .select(['id', 'hospital_id', 'name', 'level', 'region_code', 'valid_from', 'valid_to'])
    .where('hospital_id', 'in', hospitalIds)
    .orderBy('hospital_id')
    .orderBy('valid_from')
    .execute();
}

/** Inserts the hospital; a trigger opens its first period from the designation dates. Undefined when the code exists. */
export async function insertHospital(
  trx: Transaction<DB>,
  h: { code: string; name: string; level: number; region_code: string; designated_from: string; designated_to: string | null },
): Promise<string | undefined> {
  const r = await trx.insertInto('hospitals').values(h).onConflict((oc) => oc.column('code').doNothing()).returning('id').executeTakeFirst();
  return r?.id;
}

export async function closePeriod(trx: Transaction<DB>, periodId: string, validTo: string): Promise<void> {
  await trx.updateTable('hospital_periods').set({ valid_to: validTo }).where('id', '=', periodId).execute();
}

export async function insertPeriod(trx: Transaction<DB>, p: Omit<PeriodRow, 'id'>): Promise<void> {
  await trx.insertInto('hospital_periods').values(p).execute();
}

/** The hospitals row mirrors the latest period (what lists and slips show today). */
export async function setCurrent(
  trx: Transaction<DB>,
  id: string,
  c: { name: string; level: number; region_code: string; designated_from: string; designated_to: string | null },
): Promise<void> {
  await trx.updateTable('hospitals').set(c).where('id', '=', id).execute();
}

/**
 * Active (not reversed) settlements of a hospital discharged on or after `from`: they
 * took the hospital's level and region from the period a change from `from` would close.
 * Served by settlements_active_discharge_idx (migration 20261202160000).
 */
export async function settledSince(q: Q, hospitalId: string, from: string): Promise<{ count: number; latest: string | null }> {
  const r = await q
    .selectFrom('settlements')
    .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.max('discharge_date').as('latest')])
    .where('hospital_id', '=', hospitalId)
    .where('kind', '=', 'settlement')
    .where('reversed_by_id', 'is', null)
    .where('discharge_date', '>=', from)
    .executeTakeFirstOrThrow();
  return { count: Number(r.count), latest: (r.latest as string | null) ?? null };
}
