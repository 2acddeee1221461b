import type { Transaction } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';

type Q = Db | Transaction<DB>;
export type KeyRole = 'hospital' | 'cashier' | 'ops' | 'admin';

export async function insertKey(q: Q, k: { key_hash: string; key_prefix: string; label: string; role: KeyRole; hospital_id: string | null }) {
  return q.insertInto('api_keys').values(k).returning(['id', 'created_at']).executeTakeFirstOrThrow();
}

const keyColumns = ['k.id', 'k.label', 'k.role', 'k.hospital_id', 'h.code as hospital_code', 'k.key_prefix', 'k.created_at', 'k.revoked_at'] as const;

export async function listKeyRows(q: Q) {
  return q.selectFrom('api_keys as k').leftJoin('hospitals as h', 'h.id', 'k.hospital_id').select(keyColumns).orderBy('k.created_at').orderBy('k.id').execute();
}

export async function findKeyRow(q: Q, id: string) {
  return q.selectFrom('api_keys as k').leftJoin('hospitals as h', 'h.id', 'k.hospital_id').select(keyColumns).where('k.id', '=', id).executeTakeFirst();
}

/** The active key with this hash, with its hospital's code. */
export async function findActiveKeyByHash(q: Q, hash: string) {
  return q
    .selectFrom('api_keys as k')
    .leftJoin('hospitals as h', 'h.id', 'k.hospital_id')
    .select(['k.id', 'k.role', 'k.hospital_id', 'h.code as hospital_code'])
    .where('k.key_hash', '=', hash)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Sets revoked_at once; false when the key was already revoked (or does not exist). */
export async function revokeKeyRow(trx: Transaction<DB>, id: string): Promise<boolean> {
  const r = await trx.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return (r.numUpdatedRows ?? 0n) === 1n;
}
