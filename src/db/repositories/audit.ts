import type { Transaction } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';

/*
 * The audit log: append-only (the migration refuses UPDATE, DELETE and TRUNCATE). Writers
 * pass the transaction of the write they record, so a rolled-back write leaves no row
 * and a committed one always has its row.
 */

type Q = Db | Transaction<DB>;

export interface AuditEntry {
  keyId: string | null;
  /** `key:<id>` for API calls, `cli:<user>` for operational commands. */
  actor: string;
  /** dotted verb, e.g. hospital.create, identities.import, key.revoke */
  action: string;
  targetType: string;
  targetId: string;
  detail?: Record<string, unknown>;
}

export async function insertAudit(q: Q, e: AuditEntry): Promise<void> {
  await q
    .insertInto('audit_log')
    .values({ key_id: e.keyId, actor: e.actor, action: e.action, target_type: e.targetType, target_id: e.targetId, detail: JSON.stringify(e.detail ?? {}) })
    .execute();
}

export async function listAudit(q: Q, f: { targetType?: string; targetId?: string; limit: number }) {
  let s = q.selectFrom('audit_log').select(['id', 'at', 'key_id', 'actor', 'action', 'target_type', 'target_id', 'detail']);
  if (f.targetType !== undefined) s = s.where('target_type', '=', f.targetType);
  if (f.targetId !== undefined) s = s.where('target_id', '=', f.targetId);
  return s.orderBy('id', 'desc').limit(f.limit).execute();
}
