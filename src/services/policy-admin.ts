import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { insertAudit } from '../db/repositories/audit.js';
import { insertPolicyVersion } from '../db/repositories/reference.js';
import { AppError, notFound } from '../http/errors.js';
import type { PolicyVersion } from '../http/schemas/policies.js';
import { fail, loadPack } from '../policies/loader.js';
import { packDates, type PackProblem } from '../policies/semantic.js';
import type { PolicyPack } from '../policies/types.js';
import { isCalendarDate, YEAR_MAX, YEAR_MIN } from '../domain/dates.js';
import { auditEntry, type Actor } from './actor.js';
import { canonicalJson, sha256 } from './canonical.js';
import { isUniqueViolation } from './db-errors.js';
import type { PolicyStore } from './policies.js';

/*
 * Policy versions added at run time. A version is never edited: a new one for the same
 * region supersedes the older by its effective date (the engine picks the latest
 * effectiveFrom in force), and a version a settlement used stays exactly as it was.
 */

function versions(db: Db) {
  return db
    .selectFrom('policy_versions as v')
    .select(['v.id', 'v.region_code', 'v.version', 'v.effective_from', 'v.effective_to', 'v.content_hash', 'v.origin'])
    .select(sql<Date>`v.loaded_at`.as('loaded_at'))
    .select(sql<boolean>`EXISTS (SELECT 1 FROM settlements s WHERE s.policy_version_id = v.id)`.as('used'));
}

type Row = Awaited<ReturnType<ReturnType<typeof versions>['execute']>>[number];

const toWire = (r: Row): PolicyVersion => ({
  id: r.id, region: r.region_code, version: r.version, effectiveFrom: r.effective_from, effectiveTo: r.effective_to,
  contentHash: r.content_hash, origin: r.origin, loadedAt: r.loaded_at.toISOString(), used: r.used,
});

export async function listPolicies(db: Db, region?: string): Promise<PolicyVersion[]> {
  let q = versions(db);
  if (region !== undefined) q = q.where('v.region_code', '=', region);
  return (await q.orderBy('v.region_code').orderBy('v.effective_from').orderBy('v.id').execute()).map(toWire);
}

export async function getPolicy(db: Db, id: string): Promise<PolicyVersion & { pack: unknown }> {
  const r = await versions(db).select('v.pack').where('v.id', '=', id).executeTakeFirst();
  if (!r) throw notFound('POLICY_VERSION_NOT_FOUND', id);
  return { ...toWire(r), pack: r.pack };
}

/**
 * Most characters of a new version's id and version: keys PostgreSQL indexes, and an id
 * GET /v1/policies/{id} can name. Checked when a version is added, not when stored ones
 * load: a limit added later must not make a stored version unloadable.
 */
const ID_MAX = 64;

/**
 * What a new version must meet beyond loadPack, checked on adding only (see ID_MAX): its
 * id and version within ID_MAX, and its dates calendar days of 2000–2200, the years every
 * other date of the API has (the loader itself takes any real day, 0001 to 9999). A
 * version in force until "9999-12-31" was stored and then could not be answered (a 500
 * after the commit, and on every later list of versions); an open end is null.
 */
function admissionProblems(pack: PolicyPack): PackProblem[] {
  const problems: PackProblem[] = (['id', 'version'] as const).filter((k) => pack[k].length > ID_MAX).map((k) => ({ path: `/${k}`, problem: `longer than ${ID_MAX} characters` }));
  for (const [path, d] of packDates(pack)) {
    if (d !== null && !isCalendarDate(d)) problems.push({ path, problem: `${d} is not a day of the years ${YEAR_MIN}–${YEAR_MAX}${path === '/effectiveTo' ? ' (an open end is null)' : ''}` });
  }
  return problems;
}

export async function addPolicy(db: Db, policies: PolicyStore, by: Actor, json: unknown): Promise<PolicyVersion> {
  const pack = loadPack(json, 'POST /v1/policies');
  const problems = admissionProblems(pack);
  if (problems.length > 0) fail('POST /v1/policies', 'POST /v1/policies', problems);
  const row = {
    id: pack.id, region_code: pack.region, version: pack.version, effective_from: pack.effectiveFrom, effective_to: pack.effectiveTo,
    pack: json, content_hash: sha256(canonicalJson(json)), origin: `api:${by.keyId ?? by.actor}`,
  };
  const exists = () => new AppError('POLICY_VERSION_EXISTS', `policy version ${pack.id} (region ${pack.region}, version ${pack.version}) exists; versions are never edited, add one with a new id and version`, { id: pack.id, region: pack.region, version: pack.version });
  try {
    await db.transaction().execute(async (trx) => {
      if (!(await insertPolicyVersion(trx, row))) throw exists();
      await insertAudit(trx, auditEntry(by, 'policy.add', 'policy_version', pack.id, { region: pack.region, version: pack.version, effectiveFrom: pack.effectiveFrom, contentHash: row.content_hash }));
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw exists();
    throw e;
  }
  policies.invalidate();
  const { pack: _pack, ...version } = await getPolicy(db, pack.id);
  return version;
}
