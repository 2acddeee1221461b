import type { Db } from '../db/database.js';
import type { IsoDate } from '../domain/types.js';
import type { SettleRequest } from '../http/schemas/settlements.js';
import { mintApiKey } from './api-keys.js';
import { insertAudit } from '../db/repositories/audit.js';
import { auditEntry, type Actor } from './actor.js';

/*
 * Demo data for `npm start` on embedded PostgreSQL (or --demo): one designated hospital
 * in Wenzhou, one insured person holding a 低保 identity, and fresh API keys (a hospital
 * key of the demo hospital, an admin key). Idempotent:
 * the hospital and person are created once; every start mints a new demo key (keys are
 * shown once and stored hashed) and revokes the previous demo keys.
 */

export const DEMO = {
  hospitalCode: 'WZ-DEMO-01',
  personId: 'DEMO-0001',
  region: '330300',
} as const;

const DEMO_ACTOR: Actor = { keyId: null, actor: 'system:demo' };

export async function seedDemo(db: Db): Promise<{ apiKey: string; adminKey: string }> {
  await db
    .insertInto('hospitals')
    .values({ code: DEMO.hospitalCode, name: '温州市示范人民医院 (demo)', level: 2, region_code: DEMO.region, designated_from: '2019-01-01', designated_to: null })
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  const inserted = await db
    .insertInto('persons')
    .values({ id: DEMO.personId, name: '张示范 (demo)', id_card: '330302199001011235', insured_region: DEMO.region, scheme: 'urban_rural_resident' })
    // Already there (an earlier start), or the card is someone else's: leave it.
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) {
    await db
      .insertInto('identities')
      .values({ person_id: DEMO.personId, category: 'dibao', valid_from: '2020-01-01', valid_to: null, source: 'civil_affairs', batch: 'demo' })
      .execute();
  }
  // A hospital key of the demo hospital settles; an admin key manages the registry and keys.
  // The previous start's demo keys are revoked, each with its audit row, in one transaction.
  await db.transaction().execute(async (trx) => {
    const revoked = await trx.updateTable('api_keys').set({ revoked_at: new Date() }).where('label', 'in', ['demo', 'demo-admin']).where('revoked_at', 'is', null).returning('id').execute();
    for (const { id } of revoked) await insertAudit(trx, auditEntry(DEMO_ACTOR, 'key.revoke', 'api_key', id, { reason: 'demo keys are re-minted at every start' }));
  });
  const hospital = await db.selectFrom('hospitals').select('id').where('code', '=', DEMO.hospitalCode).executeTakeFirstOrThrow();
  const { key } = await mintApiKey(db, { label: 'demo', role: 'hospital', hospitalId: hospital.id }, DEMO_ACTOR);
  const { key: adminKey } = await mintApiKey(db, { label: 'demo-admin', role: 'admin' }, DEMO_ACTOR);
  return { apiKey: key, adminKey };
}

function daysBefore(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** A sample inpatient bill for the demo person, discharged on `date`. */
export function sampleRequest(date: IsoDate, visitNo = `DEMO-${date.replaceAll('-', '')}-001`): SettleRequest {
  return {
    hospitalCode: DEMO.hospitalCode,
    personId: DEMO.personId,
    visitNo,
    visitType: 'inpatient',
    admissionDate: daysBefore(date, 6),
    dischargeDate: date,
    referral: false,
    lines: [
      { itemCode: 'XA01', name: '阿莫西林胶囊', kind: 'drug', catalogClass: 'A', quantity: '20', unitPrice: '12.50', amount: '250.00' },
      { itemCode: 'XB02', name: '头孢曲松钠注射剂', kind: 'drug', catalogClass: 'B', quantity: '10', unitPrice: '85.00', amount: '850.00' },
      { itemCode: 'S001', name: '床位费', kind: 'service', catalogClass: 'A', quantity: '6', unitPrice: '60.00', amount: '360.00' },
      { itemCode: 'S101', name: '手术费', kind: 'service', catalogClass: 'A', quantity: '1', unitPrice: '8200.00', amount: '8200.00' },
      { itemCode: 'M900', name: '进口人工晶体', kind: 'material', catalogClass: 'C', quantity: '1', unitPrice: '3200.00', amount: '3200.00' },
    ],
  };
}
