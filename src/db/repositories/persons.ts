import type { Transaction } from 'kysely';
import type { Db } from '../database.js';
import type { DB } from '../schema.js';

type Q = Db | Transaction<DB>;

export async function insertPerson(
  trx: Transaction<DB>,
  p: { id: string; name: string; id_card: string; insured_region: string; scheme: 'urban_rural_resident' | 'employee' },
): Promise<boolean> {
  const r = await trx.insertInto('persons').values(p).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
  return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function findPerson(q: Q, id: string) {
  return q.selectFrom('persons').select(['id', 'name', 'id_card', 'insured_region', 'scheme']).where('id', '=', id).executeTakeFirst();
}

export async function findPersonsByIdCard(q: Q, idCard: string) {
  return q
    .selectFrom('persons')
    .select(['id', 'name', 'id_card', 'insured_region', 'scheme'])
    .where((eb) => eb(eb.fn('upper', ['id_card']), '=', idCard.toUpperCase()))
    .orderBy('id')
    .execute();
}

export async function identitiesOf(q: Q, personIds: string[]) {
  if (personIds.length === 0) return [];
  return q
    .selectFrom('identities')
    .select(['person_id', 'category', 'valid_from', 'valid_to', 'source', 'batch', 'closed_batch'])
    .where('person_id', 'in', personIds)
    .orderBy('valid_from')
    .orderBy('id')
    .execute();
}
