import os from 'node:os';
import type { AuditEntry } from '../db/repositories/audit.js';

/** Who performs a write, as the audit log records it. */
export interface Actor {
  keyId: string | null;
  actor: string;
}

export const keyActor = (keyId: string): Actor => ({ keyId, actor: `key:${keyId}` });

/** Operational commands run with database credentials, not an API key. */
export const cliActor = (): Actor => ({ keyId: null, actor: `cli:${os.userInfo().username}` });

export const auditEntry = (by: Actor, action: string, targetType: string, targetId: string, detail: Record<string, unknown> = {}): AuditEntry => ({
  keyId: by.keyId,
  actor: by.actor,
  action,
  targetType,
  targetId,
  detail,
});
