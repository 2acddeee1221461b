import { sql, type Transaction } from 'kysely';
import { runStatement, type Db } from '../database.js';
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
  /** A designated period covers the date asked for; level, region and name are that period's. */
  designated: boolean;
}

export interface PersonWithIdentities {
  id: string;
  insured_region: string;
  scheme: 'urban_rural_resident' | 'employee';
  identities: Array<{ category: string; validFrom: string; validTo: string | null }>;
}

/**
 * SQL (a scalar subquery) for the hospital with code `$code` as it was on `$date`, as one
 * JSON object shaped like HospitalRow; `$date` and `$code` name the statement's parameters.
 */
export function hospitalOnDateJson(date: string, code: string): string {
  return `(SELECT json_build_object('id', h.id, 'code', h.code, 'name', coalesce(hp.name, h.name), 'level', coalesce(hp.level, h.level),
                              'region_code', coalesce(hp.region_code, h.region_code), 'designated_from', h.designated_from,
                              'designated_to', h.designated_to, 'designated', hp.id IS NOT NULL)
       FROM hospitals h
       LEFT JOIN hospital_periods hp ON hp.hospital_id = h.id AND ${periodCovers('hp', date)}
       WHERE h.code = ${code}::text)`;
}

/** SQL condition: the hospital period `alias` covers the date `date` (a parameter or column). */
export function periodCovers(alias: string, date: string): string {
  return `${alias}.valid_from <= ${date}::date AND (${alias}.valid_to IS NULL OR ${alias}.valid_to >= ${date}::date)`;
}

/** SQL (a scalar subquery) for the person `$id` with identities, as one JSON object shaped like PersonWithIdentities. */
export function personJson(id: string): string {
  return `(SELECT json_build_object('id', p.id, 'insured_region', p.insured_region, 'scheme', p.scheme, 'identities', coalesce((
              SELECT json_agg(json_build_object('category', i.category, 'validFrom', i.valid_from, 'validTo', i.valid_to) ORDER BY i.valid_from, i.id)
              FROM identities i WHERE i.person_id = p.id), '[]'::json))
       FROM persons p WHERE p.id = ${id}::text)`;
}

const HOSPITAL_AND_PERSON = `SELECT ${hospitalOnDateJson('$1', '$2')} AS hospital, ${personJson('$3')} AS person`;

/**
 * The hospital (by code) as it was on `onDate` (its designated period covering that date:
 * level, region, name) and the person with identities (by id), in one round trip: the
 * settlement hot path reads both for every request. Without a covering period the
 * hospital's current values come back with `designated: false`.
 */
export async function findHospitalAndPerson(
  db: Q,
  hospitalCode: string,
  personId: string,
  onDate: string,
): Promise<{ hospital: HospitalRow | undefined; person: PersonWithIdentities | undefined }> {
  // A named prepared statement (parsed and planned once per pooled connection): it runs for every settlement.
  const rows = await runStatement<{ hospital: HospitalRow | null; person: PersonWithIdentities | null }>(db, 'hospital_and_person_v1', HOSPITAL_AND_PERSON, [
    onDate,
    hospitalCode,
    personId,
  ]);
  return { hospital: rows[0]?.hospital ?? undefined, person: rows[0]?.person ?? undefined };
}

/** The hospital (by code) as it was on `onDate`, like findHospitalAndPerson without the person. */
export async function findHospitalOnDate(db: Q, hospitalCode: string, onDate: string): Promise<HospitalRow | undefined> {
  const rows = await runStatement<{ hospital: HospitalRow | null }>(db, 'hospital_on_date_v1', `SELECT ${hospitalOnDateJson('$1', '$2')} AS hospital`, [onDate, hospitalCode]);
  return rows[0]?.hospital ?? undefined;
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

/** The content hash of the stored policy version `id`, if there is one. */
export async function policyVersionHash(db: Q, id: string): Promise<string | undefined> {
  return (await db.selectFrom('policy_versions').select('content_hash').where('id', '=', id).executeTakeFirst())?.content_hash;
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

