import { sql } from 'kysely';
import type { Db } from '../../src/db/database.js';
import type { SettleRequest } from '../../src/http/schemas/settlements.js';
import { syntheticIdCard } from '../../src/services/id-card.js';

/*
 * Reference data every HTTP/service test file starts with (each file has its own
 * database, so fixed ids are unique within it). Wenzhou (330300) is open-ended, so the
 * default test date 2026-06-15 settles under wenzhou-2019.
 */

export const TODAY = '2026-06-15';

export const H = {
  WZ2: 'WZ-H2', // level 2, Wenzhou
  WZ3: 'WZ-H3', // level 3, Wenzhou
  OLD: 'WZ-OLD', // designation ended 2020-12-31
} as const;

export const P = {
  ORD: 'P-ORD', // ordinary insured, Wenzhou
  DIBAO: 'P-DIBAO', // 低保 since 2020
  TEKUN: 'P-TEKUN', // 特困 since 2020
} as const;

export async function seedReference(db: Db): Promise<void> {
  await db
    .insertInto('hospitals')
    .values([
      { code: H.WZ2, name: '温州二级医院', level: 2, region_code: '330300', designated_from: '2015-01-01', designated_to: null },
      { code: H.WZ3, name: '温州三级医院', level: 3, region_code: '330300', designated_from: '2015-01-01', designated_to: null },
      { code: H.OLD, name: '已取消定点医院', level: 1, region_code: '330300', designated_from: '2015-01-01', designated_to: '2020-12-31' },
    ])
    .execute();
  await db
    .insertInto('persons')
    .values([
      { id: P.ORD, name: '李普通', id_card: '330302199001011235', insured_region: '330300', scheme: 'urban_rural_resident' },
      { id: P.DIBAO, name: '王低保', id_card: '330302198001011231', insured_region: '330300', scheme: 'urban_rural_resident' },
      { id: P.TEKUN, name: '赵特困', id_card: '330302197001011237', insured_region: '330300', scheme: 'urban_rural_resident' },
    ])
    .execute();
  await db
    .insertInto('identities')
    .values([
      { person_id: P.DIBAO, category: 'dibao', valid_from: '2020-01-01', valid_to: null, source: 'civil_affairs', batch: 'test' },
      { person_id: P.TEKUN, category: 'tekun', valid_from: '2020-01-01', valid_to: null, source: 'civil_affairs', batch: 'test' },
    ])
    .execute();
}

/** Persons added by addPerson in this test process: each gets an ID card of its own. */
let addedPersons = 0;

/** Adds a person with optional identities (for tests that need many fresh people). */
export async function addPerson(db: Db, id: string, categories: string[] = []): Promise<void> {
  await db.insertInto('persons').values({ id, name: '测试', id_card: syntheticIdCard(addedPersons++), insured_region: '330300', scheme: 'urban_rural_resident' }).execute();
  if (categories.length > 0) {
    await db.insertInto('identities').values(categories.map((category) => ({ person_id: id, category, valid_from: '2020-01-01', valid_to: null }))).execute();
  }
}

/** An inpatient bill of `amount` yuan: 80% class A service, 10% class B drug, 10% class C material. */
export function bill(over: Partial<SettleRequest> & { amount?: number } = {}): SettleRequest {
  const { amount = 10_000, ...rest } = over;
  const cents = Math.round(amount * 100);
  const a = Math.round(cents * 0.8);
  const b = Math.round(cents * 0.1);
  const c = cents - a - b;
  const y = (n: number) => (n / 100).toFixed(2);
  return {
    hospitalCode: H.WZ2,
    personId: P.ORD,
    visitNo: `V-${Math.random().toString(36).slice(2, 10)}`,
    visitType: 'inpatient',
    admissionDate: '2026-06-01',
    dischargeDate: '2026-06-10',
    referral: false,
    lines: [
      { itemCode: 'S101', name: '手术费', kind: 'service', catalogClass: 'A', quantity: '1', unitPrice: y(a), amount: y(a) },
      { itemCode: 'XB02', name: '头孢曲松钠', kind: 'drug', catalogClass: 'B', quantity: '1', unitPrice: y(b), amount: y(b) },
      { itemCode: 'M900', name: '进口晶体', kind: 'material', catalogClass: 'C', quantity: '1', unitPrice: y(c), amount: y(c) },
    ],
    ...rest,
  };
}

/** What a request with this Idempotency-Key left behind: its claims and its settlements (0 and 0 when refused). */
export async function writtenForKey(db: Db, key: string): Promise<{ keys: number; settlements: number }> {
  const keys = await sql<{ n: string }>`SELECT count(*) AS n FROM idempotency_keys WHERE key = ${key}`.execute(db);
  const settlements = await sql<{ n: string }>`SELECT count(*) AS n FROM settlements WHERE idempotency_key = ${key}`.execute(db);
  return { keys: Number(keys.rows[0]!.n), settlements: Number(settlements.rows[0]!.n) };
}
