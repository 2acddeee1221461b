import { sql, type Transaction } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';

/*
 * Reference data a settlement trusts: hospitals, persons with their identities, policy
 * versions. Read-only here; issue 4 adds their management.
 */

type Q = Db | Transaction<DB>;

export interface HospitalRow {
  id: string;
  code: string;
  name: string;
  level: number;
  region_code: string;
  designated_from: string;
  designated_to: string | null;
}

export async function findHospitalByCode(db: Q, code: string): Promise<HospitalRow | undefined> {
  return db.selectFrom('hospitals').select(['id', 'code', 'name', 'level', 'region_code', 'designated_from', 'designated_to']).where('code', '=', code).executeTakeFirst();
}

export async function findHospitalsByIds(db: Q, ids: string[]): Promise<HospitalRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('hospitals').select(['id', 'code', 'name', 'level', 'region_code', 'designated_from', 'designated_to']).where('id', 'in', ids).execute();
}

export interface PersonWithIdentities {
  id: string;
  insured_region: string;
  scheme: 'urban_rural_resident' | 'employee';
  identities: Array<{ category: string; validFrom: string; validTo: string | null }>;
}

/** The person and every identity window they hold, in one round trip. Name and ID card stay in the table. */
export async function findPersonWithIdentities(db: Q, id: string): Promise<PersonWithIdentities | undefined> {
  const row = await db
    .selectFrom('persons as p')
    .select(['p.id', 'p.insured_region', 'p.scheme'])
    .select(
      sql<PersonWithIdentities['identities']>`coalesce((
        SELECT json_agg(json_build_object('category', i.category, 'validFrom', i.valid_from, 'validTo', i.valid_to) ORDER BY i.valid_from, i.id)
        FROM identities i WHERE i.person_id = p.id), '[]'::json)`.as('identities'),
    )
    .where('p.id', '=', id)
    .executeTakeFirst();
  return row;
}

export async function personExists(db: Q, id: string): Promise<boolean> {
  return (await db.selectFrom('persons').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export interface PolicyVersionRow {
  id: string;
  region_code: string;
  version: string;
  content_hash: string;
  pack: unknown;
}

export async function listPolicyVersions(db: Q): Promise<PolicyVersionRow[]> {
  return db.selectFrom('policy_versions').select(['id', 'region_code', 'version', 'content_hash', 'pack']).orderBy('id').execute();
}

export async function insertPolicyVersion(
  db: Q,
  v: { id: string; region_code: string; version: string; effective_from: string; effective_to: string | null; pack: unknown; content_hash: string; origin: string },
): Promise<boolean> {
  const r = await db
    .insertInto('policy_versions')
    .values({ ...v, pack: JSON.stringify(v.pack) })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Replaces a stored pack's content, only while no settlement has used that version. */
export async function replaceUnusedPolicyVersion(db: Q, v: { id: string; pack: unknown; content_hash: string; origin: string; effective_from: string; effective_to: string | null }): Promise<boolean> {
  const r = await db
    .updateTable('policy_versions')
    .set({ pack: JSON.stringify(v.pack), content_hash: v.content_hash, origin: v.origin, effective_from: v.effective_from, effective_to: v.effective_to })
    .where('id', '=', v.id)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('settlements').select('id').whereRef('settlements.policy_version_id', '=', 'policy_versions.id'))))
    .executeTakeFirst();
  return (r.numUpdatedRows ?? 0n) > 0n;
}
