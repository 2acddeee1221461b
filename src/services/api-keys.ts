import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { findActiveKeyByHash, findKeyRow, insertKey, listKeyRows, revokeKeyRow, type KeyRole } from '../db/repositories/api-keys.js';
import { insertAudit } from '../db/repositories/audit.js';
import { findHospital } from '../db/repositories/hospitals.js';
import { AppError } from '../http/errors.js';
import { auditEntry, type Actor } from './actor.js';
import { sha256 } from './canonical.js';

/*
 * API keys: 24 random bytes (192 bits) from the OS CSPRNG, shown once, stored as a
 * SHA-256 digest. A slow password hash (bcrypt, scrypt, argon2) exists to make guessing
 * low-entropy passwords expensive; a 192-bit random key cannot be guessed or
 * brute-forced from its digest at any cost, so a fast hash loses nothing and lets every
 * request find its key by an indexed equality on the digest (a slow hash would add tens
 * of milliseconds to each settlement). Keys are revoked, never deleted, so the audit
 * log's key ids always resolve.
 */

export type Role = KeyRole;
export const ROLES: readonly Role[] = ['hospital', 'cashier', 'ops', 'admin'];
/** Roles that act for one hospital and must name it. */
export const HOSPITAL_ROLES: readonly Role[] = ['hospital', 'cashier'];

export interface Principal {
  keyId: string;
  role: Role;
  hospitalId: string | null;
  hospitalCode: string | null;
}

export interface KeyInfo {
  id: string;
  label: string;
  role: Role;
  hospitalCode: string | null;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

const SYSTEM: Actor = { keyId: null, actor: 'system' };

export const hashApiKey = (key: string): string => sha256(key);

/** Mints a key for a hospital id (demo data, tests, bench); `createKey` is the checked entry point. */
export async function mintApiKey(db: Db, opts: { label: string; role: Role; hospitalId?: string | null }, by: Actor = SYSTEM): Promise<{ id: string; key: string }> {
  const key = `oss_${randomBytes(24).toString('base64url')}`;
  const row = await db.transaction().execute(async (trx) => {
    const r = await insertKey(trx, { key_hash: hashApiKey(key), key_prefix: key.slice(0, 8), label: opts.label, role: opts.role, hospital_id: opts.hospitalId ?? null });
    await insertAudit(trx, auditEntry(by, 'key.create', 'api_key', r.id, { label: opts.label, role: opts.role, hospitalId: opts.hospitalId ?? null }));
    return r;
  });
  return { id: row.id, key };
}

/** Creates a key by hospital code: hospital and cashier keys must name a hospital, ops and admin keys must not. */
export async function createKey(db: Db, by: Actor, req: { label: string; role: Role; hospitalCode?: string | null }): Promise<KeyInfo & { key: string }> {
  const scoped = HOSPITAL_ROLES.includes(req.role);
  const code = req.hospitalCode ?? null;
  if (scoped !== (code !== null)) {
    throw new AppError('VALIDATION_FAILED', scoped ? `a ${req.role} key must name its hospital` : `an ${req.role} key is not bound to a hospital`, {
      errors: [{ path: '/body/hospitalCode', message: scoped ? 'required for this role' : 'not allowed for this role' }],
    });
  }
  let hospitalId: string | null = null;
  if (code !== null) {
    const h = await findHospital(db, code);
    if (!h) throw new AppError('HOSPITAL_NOT_FOUND', `hospital ${code} is not in the registry`, { hospitalCode: code });
    hospitalId = h.id;
  }
  const { id, key } = await mintApiKey(db, { label: req.label, role: req.role, hospitalId }, by);
  return { ...(await getKey(db, id)), key };
}

function toInfo(r: NonNullable<Awaited<ReturnType<typeof findKeyRow>>>): KeyInfo {
  return {
    id: r.id,
    label: r.label,
    role: r.role,
    hospitalCode: r.hospital_code,
    prefix: r.key_prefix,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  };
}

export async function getKey(db: Db, id: string): Promise<KeyInfo> {
  const r = await findKeyRow(db, id);
  if (!r) throw new AppError('KEY_NOT_FOUND', `API key ${id} does not exist`, { id });
  return toInfo(r);
}

export async function listKeys(db: Db): Promise<KeyInfo[]> {
  return (await listKeyRows(db)).map(toInfo);
}

/** Revokes a key, once; the reason, when given, goes into the audit row with it. */
export async function revokeKey(db: Db, by: Actor, id: string, reason?: string): Promise<KeyInfo> {
  await getKey(db, id);
  await db.transaction().execute(async (trx) => {
    if (!(await revokeKeyRow(trx, id))) throw new AppError('KEY_ALREADY_REVOKED', `API key ${id} is already revoked`, { id });
    await insertAudit(trx, auditEntry(by, 'key.revoke', 'api_key', id, reason === undefined ? {} : { reason }));
  });
  return getKey(db, id);
}

export async function findActiveKey(db: Db, key: string): Promise<Principal | null> {
  const row = await findActiveKeyByHash(db, hashApiKey(key));
  return row ? { keyId: row.id, role: row.role, hospitalId: row.hospital_id, hospitalCode: row.hospital_code } : null;
}
