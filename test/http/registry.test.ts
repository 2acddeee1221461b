import t from 'tap';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { bill } from '../helpers/fixtures.js';
import { syntheticIdCard } from '../../src/services/id-card.js';

/** Hospitals with history, persons, identity imports (JSON and CSV), policy versions. */
const ctx = await testApp(t);
const { call, db, app, keyFor } = ctx;
const A = '330302198505051236';
const B = '33030219750101007X';

t.test('a hospital change keeps history: a settlement takes the level its hospital had on the discharge date', async (t) => {
  const created = await call('POST', '/v1/hospitals', { body: { code: 'WZ-HIST', name: '历史医院', level: 2, regionCode: '330300', designatedFrom: '2015-01-01' } });
  t.equal(created.statusCode, 201);
  t.equal((await call('POST', '/v1/hospitals', { body: { code: 'WZ-HIST', name: 'x', level: 1, regionCode: '330300', designatedFrom: '2015-01-01' } })).json().code, 'HOSPITAL_EXISTS');
  const up = await call('POST', '/v1/hospitals/WZ-HIST/changes', { body: { effectiveFrom: '2026-06-01', level: 3 } });
  t.equal(up.statusCode, 201);
  t.same(up.json().periods.map((p: { level: number; validFrom: string; validTo: string | null }) => [p.level, p.validFrom, p.validTo]), [[2, '2015-01-01', '2026-05-31'], [3, '2026-06-01', null]]);
  t.equal(up.json().level, 3, 'the current level');
  t.equal((await call('POST', '/v1/hospitals/WZ-HIST/changes', { body: { effectiveFrom: '2026-01-01', level: 1 } })).json().code, 'HOSPITAL_CHANGE_CONFLICT', 'history is never rewritten');

  const before = await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: 'WZ-HIST', admissionDate: '2026-05-01', dischargeDate: '2026-05-20' }) });
  const after = await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: 'WZ-HIST' }) });
  t.equal(before.statusCode, 200);
  t.not(before.json().settlement.fundTotal, after.json().settlement.fundTotal, 'level 2 and level 3 pay differently');
  const asLevel2 = await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: 'WZ-H2', admissionDate: '2026-05-01', dischargeDate: '2026-05-20' }) });
  const asLevel3 = await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: 'WZ-H3' }) });
  t.equal(before.json().settlement.fundTotal, asLevel2.json().settlement.fundTotal, 'May discharge settles as level 2');
  t.equal(after.json().settlement.fundTotal, asLevel3.json().settlement.fundTotal, 'June discharge settles as level 3');

  const ended = await call('POST', '/v1/hospitals/WZ-HIST/changes', { body: { effectiveFrom: '2026-06-12', designated: false } });
  t.equal(ended.json().designatedTo, '2026-06-11');
  t.equal((await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: 'WZ-HIST', dischargeDate: '2026-06-12', admissionDate: '2026-06-01' }) })).json().code, 'HOSPITAL_NOT_DESIGNATED');
  t.equal((await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: 'WZ-HIST', dischargeDate: '2026-06-11', admissionDate: '2026-06-01' }) })).statusCode, 200, 'the day before still settles');
  await t.rejects(sql`UPDATE hospital_periods SET level = 1`.execute(db), /may only be closed earlier/);
  await t.rejects(sql`DELETE FROM hospital_periods`.execute(db), /never deleted/);
  t.equal((await call('GET', '/v1/hospitals/NOPE')).json().code, 'HOSPITAL_NOT_FOUND');
  t.ok((await call('GET', '/v1/hospitals')).json().items.some((h: { code: string }) => h.code === 'WZ-HIST'));
});

t.test('a change that changes nothing is refused, and so is a name without a letter or digit, with a control or format character, or with a blank at an end', async (t) => {
  t.equal((await call('POST', '/v1/hospitals', { body: { code: 'WZ-SAME', name: '同一医院', level: 2, regionCode: '330300', designatedFrom: '2015-01-01' } })).statusCode, 201);
  const audit = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log WHERE target_id = 'WZ-SAME'`.execute(db)).rows[0]!.n);
  const audited = await audit();
  for (const body of [{ effectiveFrom: '2027-01-01' }, { effectiveFrom: '2027-01-01', level: 2, name: '同一医院', regionCode: '330300' }, { effectiveFrom: '2027-01-01', designated: true }]) {
    const r = await call('POST', '/v1/hospitals/WZ-SAME/changes', { body });
    t.equal(r.statusCode, 409, JSON.stringify(body));
    t.match(r.json(), { code: 'HOSPITAL_CHANGE_CONFLICT', message: /nothing changes on 2027-01-01/ });
  }
  const h = (await call('GET', '/v1/hospitals/WZ-SAME')).json();
  t.same(h.periods.map((p: { validFrom: string; validTo: string | null }) => [p.validFrom, p.validTo]), [['2015-01-01', null]], 'no period closed or opened');
  t.equal(await audit(), audited, 'nothing audited');
  t.equal((await call('POST', '/v1/hospitals/WZ-SAME/changes', { body: { effectiveFrom: '2027-01-01', name: '同一医院（新院区）' } })).statusCode, 201, 'a new name is a change');

  for (const name of [' ', '   ', '\u3000\u3000', '\t', '\u00a0', '\u200b\u200b', '\ufeff', '-', '（）', '同一医院 ', ' 同一医院', '\u0007医院', '医\n院', '\u202e院医']) {
    const hospital = await call('POST', '/v1/hospitals', { body: { code: 'WZ-BLANK', name, level: 2, regionCode: '330300', designatedFrom: '2015-01-01' } });
    t.equal(hospital.statusCode, 400, `hospital named ${JSON.stringify(name)}`);
    t.match(hospital.json(), { code: 'VALIDATION_FAILED', details: { errors: [{ path: '/body/name' }] } });
    const person = await call('POST', '/v1/persons', { body: { id: 'P-BLANK', name, idCard: '330302198001010035', insuredRegion: '330300', scheme: 'urban_rural_resident' } });
    t.equal(person.statusCode, 400, `person named ${JSON.stringify(name)}`);
    t.equal((await call('POST', '/v1/hospitals/WZ-SAME/changes', { body: { effectiveFrom: '2028-01-01', name } })).statusCode, 400, `renamed to ${JSON.stringify(name)}`);
  }
});

t.test('a change may not rewrite the period of visits already settled; after their reversal it may', async (t) => {
  t.equal((await call('POST', '/v1/hospitals', { body: { code: 'WZ-SETTLED', name: '已结算医院', level: 2, regionCode: '330300', designatedFrom: '2015-01-01' } })).statusCode, 201);
  const settled = await call('POST', '/v1/settlements', { body: bill({ hospitalCode: 'WZ-SETTLED', admissionDate: '2026-06-01', dischargeDate: '2026-06-10' }), key: 'k-settled-1' });
  t.equal(settled.statusCode, 201, 'settled at level 2');
  const back = await call('POST', '/v1/hospitals/WZ-SETTLED/changes', { body: { effectiveFrom: '2026-06-01', level: 3 } });
  t.equal(back.statusCode, 409);
  t.match(back.json(), { code: 'HOSPITAL_CHANGE_CONFLICT', details: { settledCount: 1, latestDischarge: '2026-06-10' } });
  t.equal((await call('GET', '/v1/hospitals/WZ-SETTLED')).json().periods.length, 1, 'nothing changed');
  t.equal((await call('POST', '/v1/hospitals/WZ-SETTLED/changes', { body: { effectiveFrom: '2026-06-11', level: 3 } })).statusCode, 201, 'from the day after the last settled discharge it may');
  const replay = await call('POST', `/v1/settlements/${settled.json().id}/replay`, { body: {}, as: 'ops' });
  t.equal(replay.json().identical, true, 'the settlement is still explained by the registry');
  t.equal((await call('POST', `/v1/settlements/${settled.json().id}/reversal`, { body: { reason: 'level corrected' } })).statusCode, 201);
  t.equal((await call('POST', '/v1/hospitals', { body: { code: 'WZ-SETTLED2', name: '二', level: 2, regionCode: '330300', designatedFrom: '2015-01-01' } })).statusCode, 201);
  const s2 = await call('POST', '/v1/settlements', { body: bill({ hospitalCode: 'WZ-SETTLED2', admissionDate: '2026-06-01', dischargeDate: '2026-06-10' }), key: 'k-settled-2' });
  t.equal((await call('POST', `/v1/settlements/${s2.json().id}/reversal`, { body: { reason: 'wrong level' } })).statusCode, 201);
  t.equal((await call('POST', '/v1/hospitals/WZ-SETTLED2/changes', { body: { effectiveFrom: '2026-06-01', level: 3 } })).statusCode, 201, 'a reversed settlement does not hold the period');
});

const person = (id: string, idCard: string) => ({ id, name: '钱多多', idCard, insuredRegion: '330300', scheme: 'urban_rural_resident' });

t.test('persons: registered with a checked ID-card number, duplicates refused', async (t) => {
  t.equal((await call('POST', '/v1/persons', { body: person('P-A', A) })).statusCode, 201);
  t.equal((await call('POST', '/v1/persons', { body: person('P-B', B.toLowerCase()) })).json().idCard, B, 'stored with an upper-case X');
  t.equal((await call('POST', '/v1/persons', { body: person('P-A', A) })).json().code, 'PERSON_EXISTS');
  const bad = await call('POST', '/v1/persons', { body: person('P-C', '330302198505051237') });
  t.equal(bad.statusCode, 422);
  t.equal(bad.json().code, 'ID_CARD_INVALID');
});

t.test('an import with any bad row writes nothing and names every bad row', async (t) => {
  const rows = [
    { idCard: A, category: 'dibao', validFrom: '2024-01-01' },
    { idCard: '330302198505051237', category: 'dibao', validFrom: '2024-01-01' },
    { idCard: B, category: 'martian', validFrom: '2024-01-01' },
    { idCard: B, category: 'tekun', validFrom: '2024-05-01', validTo: '2024-04-01' },
    { idCard: A, category: 'dibao', validFrom: '2024-06-01', validTo: '2024-12-31' },
  ];
  const r = await call('POST', '/v1/identity-imports', { body: { batchId: 'bad-1', source: 'civil_affairs', rows } });
  t.equal(r.statusCode, 422);
  t.equal(r.json().code, 'IMPORT_REJECTED');
  t.same(r.json().details.errors.map((e: { row: number; code: string }) => [e.row, e.code]), [[2, 'ID_CARD_INVALID'], [3, 'UNKNOWN_CATEGORY'], [4, 'WINDOW_INVERTED'], [5, 'WINDOW_OVERLAP']]);
  t.equal((await db.selectFrom('identities').select('id').where('batch', '=', 'bad-1').execute()).length, 0, 'nothing written');
  t.equal((await call('GET', '/v1/identity-imports/bad-1')).statusCode, 404, 'a refused batch id stays free');
});

t.test('an import is idempotent by batch id; other content under the same id is 409', async (t) => {
  const body = { batchId: 'ca-2024-01', source: 'civil_affairs', rows: [{ idCard: A, category: 'dibao', validFrom: '2024-01-01' }] };
  const first = await call('POST', '/v1/identity-imports', { body });
  t.equal(first.statusCode, 201);
  t.match(first.json(), { batchId: 'ca-2024-01', rows: 1, inserted: 1, closed: 0, unchanged: 0 });
  const again = await call('POST', '/v1/identity-imports', { body });
  t.equal(again.statusCode, 200);
  t.same({ ...again.json(), replayed: undefined }, first.json());
  t.equal(again.json().replayed, true);
  const csv = await call('POST', '/v1/identity-imports?batchId=ca-2024-01&source=civil_affairs', { body: 'id_card,category,valid_from,valid_to\n' + A + ',dibao,2024-01-01,\n', headers: { 'content-type': 'text/csv' } });
  t.equal(csv.statusCode, 200, 'the same content as CSV is the same batch');
  const other = await call('POST', '/v1/identity-imports', { body: { ...body, rows: [{ ...body.rows[0]!, validFrom: '2024-02-01' }] } });
  t.equal(other.statusCode, 409);
  t.equal(other.json().code, 'IMPORT_BATCH_CONFLICT');
  t.equal((await call('GET', '/v1/identity-imports/ca-2024-01')).json().inserted, 1);
});

t.test('a correction closes the old window and opens a new one; the history stays and replay is unchanged', async (t) => {
  const s = await call('POST', '/v1/settlements', { body: bill({ personId: 'P-A' }), key: 'k-reg-a' });
  t.equal(s.statusCode, 201);
  t.equal(s.json().settlement.identity.used, 'dibao');
  const csv = `\uFEFFid_card,category,valid_from,valid_to,name\r\n${A},dibao,2026-06-01,,"钱, 多多"\r\n${A},tekun,2026-06-01,,\r\n`;
  const r = await call('POST', '/v1/identity-imports?batchId=rr-2026-06&source=rural_revitalisation', { body: csv, headers: { 'content-type': 'text/csv' } });
  t.equal(r.statusCode, 201, r.body);
  t.match(r.json(), { rows: 2, inserted: 2, closed: 1 });
  const p = (await call('GET', '/v1/persons/P-A')).json();
  t.same(p.identities.map((i: { category: string; validFrom: string; validTo: string | null; closedBatch: string | null }) => [i.category, i.validFrom, i.validTo, i.closedBatch]), [
    ['dibao', '2024-01-01', '2026-05-31', 'rr-2026-06'],
    ['dibao', '2026-06-01', null, null],
    ['tekun', '2026-06-01', null, null],
  ]);
  await t.rejects(sql`UPDATE identities SET valid_to = NULL WHERE person_id = 'P-A'`.execute(db), /never reopened/);
  const replay = await call('POST', `/v1/settlements/${s.json().id}/replay`, { body: {} });
  t.equal(replay.json().identical, true, 'replay uses the identities as they were');
});

t.test('malformed CSV and a CSV without batch id are 400', async (t) => {
  const h = { 'content-type': 'text/csv' };
  t.equal((await call('POST', '/v1/identity-imports?batchId=x&source=civil_affairs', { body: 'id_card,category\n"unclosed,dibao\n', headers: h })).json().code, 'MALFORMED_CSV');
  t.equal((await call('POST', '/v1/identity-imports?batchId=x&source=civil_affairs', { body: 'foo,bar\n1,2\n', headers: h })).json().code, 'MALFORMED_CSV');
  t.equal((await call('POST', '/v1/identity-imports', { body: `id_card,category,valid_from\n${A},dibao,2024-01-01\n`, headers: h })).statusCode, 400);
});

t.test('a list of more than 200,000 rows is 413 PAYLOAD_TOO_LARGE, as CSV or as JSON, and nothing is written', async (t) => {
  const h = { 'content-type': 'text/csv' };
  const rows = Array.from({ length: 200_001 }, () => `${A},dibao,2027-01-01,\n`).join('');
  const r = await call('POST', '/v1/identity-imports?batchId=too-many&source=civil_affairs', { body: `id_card,category,valid_from,valid_to\n${rows}`, headers: h });
  t.equal(r.statusCode, 413, r.body.slice(0, 200));
  t.match(r.json(), { code: 'PAYLOAD_TOO_LARGE', details: { maxRows: 200_000 } });
  t.equal((await call('GET', '/v1/identity-imports/too-many')).statusCode, 404, 'no batch stored');
  const json = { batchId: 'too-many-json', source: 'civil_affairs', rows: Array.from({ length: 200_001 }, () => ({ idCard: A, category: 'dibao', validFrom: '2027-01-01' })) };
  const j = await call('POST', '/v1/identity-imports', { body: json });
  t.equal(j.statusCode, 413, j.body.slice(0, 200));
  t.match(j.json(), { code: 'PAYLOAD_TOO_LARGE', message: /more than 200,000 rows/, details: { maxRows: 200_000 } });
  t.equal((await call('GET', '/v1/identity-imports/too-many-json')).statusCode, 404, 'no batch stored');
  json.rows[0] = { idCard: A, category: 'dibao', validFrom: 'soon' };
  t.equal((await call('POST', '/v1/identity-imports', { body: { ...json, rows: json.rows.slice(0, 10) } })).json().code, 'VALIDATION_FAILED', 'any other refused body stays 400');
});

t.test('an import is JSON or CSV: any other body, or none, is 415 and writes nothing', async (t) => {
  const csv = `id_card,category,valid_from,valid_to\n${A},dibao,2027-01-01,\n`;
  const plain = await call('POST', '/v1/identity-imports?batchId=as-text&source=civil_affairs', { body: csv, headers: { 'content-type': 'text/plain' } });
  t.equal(plain.statusCode, 415, plain.body.slice(0, 200));
  t.match(plain.json(), { code: 'UNSUPPORTED_MEDIA_TYPE', message: /application\/json \(identity imports also take text\/csv\)/ });
  t.equal((await call('GET', '/v1/identity-imports/as-text')).statusCode, 404, 'no batch stored');
  const key = await keyFor('admin');
  for (const headers of [{}, { 'content-length': '0' }]) {
    const none = await app.inject({ method: 'POST', url: '/v1/identity-imports?batchId=no-body&source=civil_affairs', headers: { authorization: `Bearer ${key}`, ...headers } });
    t.equal(none.statusCode, 415, none.body.slice(0, 200));
    t.equal(none.json().code, 'UNSUPPORTED_MEDIA_TYPE');
  }
  const upper = await call('POST', '/v1/identity-imports?batchId=as-csv&source=civil_affairs', { body: csv, headers: { 'content-type': 'Text/CSV; charset=utf-8' } });
  t.not(upper.statusCode, 415, 'text/csv in any case, with a charset, is CSV');
});

t.test('five thousand rows import in one batch', async (t) => {
  const ids = Array.from({ length: 5000 }, (_, i) => `BULK-${i}`);
  // A valid card of its own per person (well away from the numbers addPerson hands out).
  const card = (i: number) => syntheticIdCard(1_000_000 + i);
  await db.insertInto('persons').values(ids.map((id, i) => ({ id, name: '批量', id_card: card(i), insured_region: '330300', scheme: 'urban_rural_resident' as const }))).execute();
  const r = await call('POST', '/v1/identity-imports', { body: { batchId: 'bulk-1', source: 'civil_affairs', rows: ids.map((_, i) => ({ idCard: card(i), category: 'dibao', validFrom: '2025-01-01' })) } });
  t.equal(r.statusCode, 201);
  t.equal(r.json().inserted, 5000);
  const stored = await sql<{ n: string }>`SELECT count(*) AS n FROM identities WHERE person_id LIKE 'BULK-%' AND category = 'dibao'`.execute(db);
  t.equal(stored.rows[0]!.n, '5000', 'every row stored, in one batch');
});

t.test('policy versions: add a valid pack, refuse an invalid one naming path and problem, never edit', async (t) => {
  const base = (await call('GET', '/v1/policies/wenzhou-2019')).json();
  t.equal(base.used, true, 'settled under in this file');
  const pack = { ...base.pack, id: 'wenzhou-2027', version: '2027', effectiveFrom: '2027-01-01' };
  const added = await call('POST', '/v1/policies', { body: pack });
  t.equal(added.statusCode, 201, added.body);
  t.match(added.json(), { id: 'wenzhou-2027', region: '330300', used: false, origin: /^api:/ });
  t.equal((await call('POST', '/v1/policies', { body: pack })).json().code, 'POLICY_VERSION_EXISTS');
  const bad = await call('POST', '/v1/policies', { body: { ...pack, id: 'wenzhou-bad', version: 'bad', basic: { ...pack.basic, ratioByLevel: 'x' } } });
  t.equal(bad.statusCode, 422);
  t.equal(bad.json().code, 'POLICY_INVALID');
  t.ok(bad.json().details.errors.length > 0 && bad.json().details.errors.every((e: { path: string; problem: string }) => typeof e.path === 'string' && e.problem), 'errors name path and problem');
  const list = (await call('GET', '/v1/policies?region=330300')).json().items.map((v: { id: string }) => v.id);
  t.same(list, ['wenzhou-2019', 'wenzhou-2027']);
});

t.test('every write above left an audit row, in the write’s transaction', async (t) => {
  const actions = (await db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
  for (const a of ['hospital.create', 'hospital.change', 'hospital.undesignate', 'person.create', 'identities.import', 'policy.add', 'key.create', 'settlement.create']) t.ok(actions.includes(a), a);
  t.notOk(actions.filter((a) => a === 'identities.import').length > 4, 'refused and replayed imports are not logged as imports');
  await t.rejects(sql`UPDATE audit_log SET action = 'x'`.execute(db), /append-only/);
  await t.rejects(sql`DELETE FROM audit_log`.execute(db), /append-only/);
  await t.rejects(sql`TRUNCATE audit_log`.execute(db), /append-only/);
});
