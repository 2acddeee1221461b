import type { Db } from '../db/database.js';
import { insertPolicyVersion, listPolicyVersions, policyVersionHash } from '../db/repositories/reference.js';
import { loadBundledPacks } from '../policies/loader.js';
import { canonicalJson, sha256 } from './canonical.js';

export interface PolicyLoadReport {
  inserted: string[];
  unchanged: string[];
  /**
   * Bundled content differs from the stored version of that id: the stored one stays (a
   * version's content is fixed once stored, migration 20261202140000); publish the change
   * under a new id.
   */
  differs: string[];
}

/**
 * Loads the bundled policy packs into policy_versions (on every start): new ids are
 * inserted, stored ones are never changed. Returns what it did, for the start-up log.
 */
export async function loadPolicyVersions(db: Db): Promise<PolicyLoadReport> {
  const report: PolicyLoadReport = { inserted: [], unchanged: [], differs: [] };
  const stored = new Map((await listPolicyVersions(db)).map((r) => [r.id, r.content_hash]));
  for (const pack of loadBundledPacks()) {
    const hash = sha256(canonicalJson(pack));
    const have = stored.get(pack.id);
    if (have !== undefined) {
      (have === hash ? report.unchanged : report.differs).push(pack.id);
      continue;
    }
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
    if (await insertPolicyVersion(db, row)) {
      report.inserted.push(pack.id);
      continue;
    }
    // Another process inserted it meanwhile (a rolling start): compare with what it stored.
    ((await policyVersionHash(db, pack.id)) === hash ? report.unchanged : report.differs).push(pack.id);
  }
  return report;
}
