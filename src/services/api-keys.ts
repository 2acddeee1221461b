import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { sha256 } from './canonical.js';

/*
 * Minimal API keys: random, shown once, stored as SHA-256. Issue 4 builds roles,
 * hospital scoping, revocation commands and rate limits on this table.
 */

export type Role = 'hospital' | 'cashier' | 'ops' | 'admin';

export interface Principal {
  keyId: string;
  role: Role;
  hospitalId: string | null;
}

export const hashApiKey = (key: string): string => sha256(key);

export async function mintApiKey(db: Db, opts: { label: string; role: Role; hospitalId?: string | null }): Promise<{ id: string; key: string }> {
  const key = `oss_${randomBytes(24).toString('base64url')}`;
  const row = await db
    .insertInto('api_keys')
    .values({ key_hash: hashApiKey(key), label: opts.label, role: opts.role, hospital_id: opts.hospitalId ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key };
}

export async function findActiveKey(db: Db, key: string): Promise<Principal | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'role', 'hospital_id'])
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { keyId: row.id, role: row.role, hospitalId: row.hospital_id } : null;
}
