import type { Db } from '../db/database.js';
import { insertPolicyVersion, listPolicyVersions, replaceUnusedPolicyVersion } from '../db/repositories/reference.js';
import { loadBundledPacks } from '../policies/loader.js';
import { canonicalJson, sha256 } from './canonical.js';

export interface PolicyLoadReport {
  inserted: string[];
  updated: string[];
  unchanged: string[];
  /** Bundled content differs from a stored version that settlements have used: the stored one stays. */
  kept: string[];
}

/**
 * Loads the bundled policy packs into policy_versions (on every start). New ids are
 * inserted; a changed pack replaces its stored version only while no settlement used it,
 * because a used version must stay exactly as it was for replay.
 */
export async function loadPolicyVersions(db: Db): Promise<PolicyLoadReport> {
  const report: PolicyLoadReport = { inserted: [], updated: [], unchanged: [], kept: [] };
  const stored = new Map((await listPolicyVersions(db)).map((r) => [r.id, r.content_hash]));
  for (const pack of loadBundledPacks()) {
    const hash = sha256(canonicalJson(pack));
    const row = {
      id: pack.id,
      region_code: pack.region,
      version: pack.version,
      effective_from: pack.effectiveFrom,
      effective_to: pack.effectiveTo,
      pack,
      content_hash: hash,
      origin: `bundled:${pack.id}`,
    };
    const have = stored.get(pack.id);
    if (have === undefined) {
      if (await insertPolicyVersion(db, row)) report.inserted.push(pack.id);
      else report.unchanged.push(pack.id);
    } else if (have === hash) report.unchanged.push(pack.id);
    else if (await replaceUnusedPolicyVersion(db, row)) report.updated.push(pack.id);
    else report.kept.push(pack.id);
  }
  return report;
}
