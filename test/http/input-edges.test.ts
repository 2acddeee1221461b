import t from 'tap';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { bill, H, P, TODAY, writtenForKey } from '../helpers/fixtures.js';
import { allListed, eventually } from '../helpers/list.js';
import { unreadableBody } from '../../src/http/plugins/input-guard.js';

/*
 * Inputs a review found answered 500, accepted although meaningless, or stored so that
 * they could not be found again. Each is a client's doing: a 4xx, or the ordinary answer.
 */
const ctx = await testApp(t);
const { call, db } = ctx;


t.test('item codes named like Object.prototype members settle like any other code', async (t) => {
  const plain = await call('POST', '/v1/settlements/preview', { body: bill({ personId: P.DIBAO }) });
  t.equal(plain.statusCode, 200);
  for (const code of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    const b = bill({ personId: P.DIBAO });
    // Both the class-A line (price ceilings by item) and the class-B line (self-pay ratios by item).
    b.lines = b.lines.map((l) => ({ ...l, itemCode: code }));
    const r = await call('POST', '/v1/settlements/preview', { body: b });
    t.equal(r.statusCode, 200, `${code}: ${r.body.slice(0, 120)}`);
    t.equal(r.json().settlement.fundTotal, plain.json().settlement.fundTotal, `${code}: no ceiling or ratio of its own, the pack's defaults apply`);
  }
  const b = bill({ personId: P.TEKUN, visitNo: 'V-PROTO' });
  b.lines = b.lines.map((l) => ({ ...l, itemCode: 'constructor' }));
  t.equal((await call('POST', '/v1/settlements', { body: b, key: 'proto-1' })).statusCode, 201, 'and it settles');
});

t.test('a discharge date after the settlement date: a settlement is refused 422, a preview (planned discharge) is not', async (t) => {
  const tomorrow = '2026-06-16';
  t.equal(TODAY, '2026-06-15', 'the test clock');
  const future = bill({ personId: P.DIBAO, visitNo: 'V-FUTURE', admissionDate: '2026-06-10', dischargeDate: tomorrow });
  const r = await call('POST', '/v1/settlements', { body: future, key: 'future-1' });
  t.equal(r.statusCode, 422);
  t.match(r.json(), { code: 'BILL_DISCHARGE_IN_FUTURE', details: { dischargeDate: tomorrow, settlementDate: TODAY } });
  t.same(await writtenForKey(db, 'future-1'), { keys: 0, settlements: 0 }, 'nothing written');
  const far = await call('POST', '/v1/settlements', { body: { ...future, admissionDate: '2200-12-30', dischargeDate: '2200-12-31' }, key: 'future-2' });
  t.equal(far.json().code, 'BILL_DISCHARGE_IN_FUTURE', 'named for what it is, not as a missing policy');
  const ledgers = await sql<{ n: string }>`SELECT count(*) AS n FROM person_ledgers WHERE year > 2026`.execute(db);
  t.equal(ledgers.rows[0]!.n, '0', 'no ledger opened for a year to come');
  t.equal((await call('POST', '/v1/settlements/preview', { body: future })).statusCode, 200, '预结算 the day before discharge');
  t.equal((await call('POST', '/v1/settlements', { body: { ...future, dischargeDate: TODAY }, key: 'future-3' })).statusCode, 201, 'discharged today settles');
});

t.test('a line of quantity 0 and a bill of 0.00 are refused; a free line in a real bill is not', async (t) => {
  const zeroQty = bill({ personId: P.ORD, visitNo: 'V-ZQ' });
  zeroQty.lines[0] = { ...zeroQty.lines[0]!, quantity: '0', amount: '0.00' };
  const r1 = await call('POST', '/v1/settlements', { body: zeroQty, key: 'zero-1' });
  t.equal(r1.statusCode, 422);
  t.match(r1.json(), { code: 'BILL_ZERO_QUANTITY', details: { line: 0 } });

  const nothing = bill({ personId: P.ORD, visitNo: 'V-ZT' });
  nothing.lines = nothing.lines.map((l) => ({ ...l, unitPrice: '0.00', amount: '0.00' }));
  const r2 = await call('POST', '/v1/settlements', { body: nothing, key: 'zero-2' });
  t.equal(r2.statusCode, 422);
  t.equal(r2.json().code, 'BILL_ZERO_TOTAL');
  t.same([await writtenForKey(db, 'zero-1'), await writtenForKey(db, 'zero-2')], [{ keys: 0, settlements: 0 }, { keys: 0, settlements: 0 }], 'nothing written');
  const ledger = (await call('GET', `/v1/persons/${P.ORD}/ledger?year=2026`, { as: 'ops' })).json();
  t.equal(ledger.ledger?.inpatientAdmissions ?? 0, 0, 'no admission counted');

  const withFree = bill({ personId: P.ORD, visitNo: 'V-FREE' });
  withFree.lines.push({ itemCode: 'F001', name: '陪护床', kind: 'service', catalogClass: 'A', quantity: '1', unitPrice: '0.00', amount: '0.00' });
  t.equal((await call('POST', '/v1/settlements', { body: withFree, key: 'zero-3' })).statusCode, 201);
});

t.test('Idempotency-Key: printable ASCII without spaces, else 400 (a key must be found again by GET …/by-key)', async (t) => {
  for (const key of ['clé-1', 'two words', 'dup-a, dup-b', 'tab\tkey']) {
    const r = await call('POST', '/v1/settlements', { body: bill({ personId: P.ORD, visitNo: `V-KEY-${key.length}` }), key });
    t.equal(r.statusCode, 400, JSON.stringify(key));
    t.equal(r.json().code, 'VALIDATION_FAILED');
  }
  t.equal((await call('GET', `/v1/settlements/by-key/${encodeURIComponent('clé-1')}`)).statusCode, 400, 'by-key refuses what could never be stored');
  const ok = await call('POST', '/v1/settlements', { body: bill({ personId: P.ORD, visitNo: 'V-KEY-OK' }), key: 'HIS:2026/06#15~ok' });
  t.equal(ok.statusCode, 201);
  t.equal((await call('GET', `/v1/settlements/by-key/${encodeURIComponent('HIS:2026/06#15~ok')}?hospital=${H.WZ2}`)).json().id, ok.json().id);
});

t.test('a policy version id or version longer than 64 characters is POLICY_INVALID, not a database error', async (t) => {
  const pack = (await call('GET', '/v1/policies/wenzhou-2019')).json().pack;
  const longId = await call('POST', '/v1/policies', { body: { ...pack, id: `w-${'x'.repeat(20_000)}`, version: 'long-id', effectiveFrom: '2030-01-01' } });
  t.equal(longId.statusCode, 422);
  t.equal(longId.json().code, 'POLICY_INVALID');
  const longVersion = await call('POST', '/v1/policies', { body: { ...pack, id: 'wenzhou-long', version: 'v'.repeat(65), effectiveFrom: '2030-01-01' } });
  t.equal(longVersion.json().code, 'POLICY_INVALID');
  const at64 = await call('POST', '/v1/policies', { body: { ...pack, id: 'w'.repeat(64), version: 'v'.repeat(64), effectiveFrom: '2030-01-01' } });
  t.equal(at64.statusCode, 201, at64.body.slice(0, 200));
  t.equal((await call('GET', `/v1/policies/${'w'.repeat(64)}`)).statusCode, 200, 'and can be fetched by its id');
});

t.test('hospital changes: an end of designation takes no level, and a lapsed hospital is designated again only when asked', async (t) => {
  t.equal((await call('POST', '/v1/hospitals', { body: { code: 'WZ-EDGE', name: '边界医院', level: 2, regionCode: '330300', designatedFrom: '2015-01-01' } })).statusCode, 201);
  const mixed = await call('POST', '/v1/hospitals/WZ-EDGE/changes', { body: { effectiveFrom: '2022-01-01', designated: false, level: 1 } });
  t.equal(mixed.statusCode, 400);
  t.match(mixed.json(), { code: 'VALIDATION_FAILED', details: { errors: [{ path: '/body/level' }] } });
  const ended = await call('POST', '/v1/hospitals/WZ-EDGE/changes', { body: { effectiveFrom: '2022-01-01', designated: false } });
  t.equal(ended.statusCode, 201);
  t.match(ended.json(), { level: 2, designatedTo: '2021-12-31' });

  const implied = await call('POST', '/v1/hospitals/WZ-EDGE/changes', { body: { effectiveFrom: '2023-01-01', level: 3 } });
  t.equal(implied.statusCode, 409, 'a level change does not designate it again');
  t.match(implied.json(), { code: 'HOSPITAL_CHANGE_CONFLICT', message: /designated: true/ });
  const h = (await call('GET', '/v1/hospitals/WZ-EDGE')).json();
  t.same([h.level, h.designatedFrom, h.designatedTo, h.periods.length], [2, '2015-01-01', '2021-12-31', 1], 'unchanged');

  const again = await call('POST', '/v1/hospitals/WZ-EDGE/changes', { body: { effectiveFrom: '2023-01-01', designated: true, level: 3 } });
  t.equal(again.statusCode, 201);
  t.same(again.json().periods.map((p: { level: number; validFrom: string; validTo: string | null }) => [p.level, p.validFrom, p.validTo]), [[2, '2015-01-01', '2021-12-31'], [3, '2023-01-01', null]]);
});

t.test('a CSV column named like an Object.prototype member is ignored like any other extra column', async (t) => {
  const card = '330302198505051236';
  t.equal((await call('POST', '/v1/persons', { body: { id: 'P-CSV', name: '钱多多', idCard: card, insuredRegion: '330300', scheme: 'urban_rural_resident' } })).statusCode, 201);
  const csv = `constructor,__proto__,id_card,category,valid_from,valid_to\n1,2,${card},tekun,2018-01-01,2018-12-31\n`;
  const r = await call('POST', '/v1/identity-imports?batchId=csv-proto&source=civil_affairs', { body: csv, headers: { 'content-type': 'text/csv' } });
  t.equal(r.statusCode, 201, r.body.slice(0, 200));
  t.equal(r.json().inserted, 1);
});

t.test('HEAD of a GET route is allowed to whoever may GET it', async (t) => {
  const head = await call('HEAD', '/v1/settlements');
  t.equal(head.statusCode, 200);
  t.equal((await call('HEAD', '/v1/keys', { as: { role: 'hospital', hospital: H.WZ2 } })).statusCode, 403, 'and refused to whoever may not');
});

t.test('what Node’s HTTP parser refuses is answered {code, message, details} too', async (t) => {
  const address = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = new URL(address);
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
      let text = '';
      socket.on('data', (d) => (text += d.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
  const parse = (text: string) => ({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { code: string; message: string; details: object } });

  const huge = parse(await raw(`GET /v1/settlements HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(100_000)}\r\n\r\n`));
  t.equal(huge.status, 431);
  t.same(huge.body, { code: 'HEADERS_TOO_LARGE', message: huge.body.message, details: {} });
  const garbage = parse(await raw('NOT HTTP AT ALL\r\n\r\n'));
  t.equal(garbage.status, 400);
  t.equal(garbage.body.code, 'MALFORMED_REQUEST');
});

t.test('one person per ID card: a second registration is 409 naming the first; a 15-digit card is stored as its 18-digit successor', async (t) => {
  const card = '330302198001010019';
  const person = (id: string, idCard: string) => ({ id, name: '孙重复', idCard, insuredRegion: '330300', scheme: 'urban_rural_resident' });
  t.equal((await call('POST', '/v1/persons', { body: person('P-DUP-1', card) })).statusCode, 201);
  const again = await call('POST', '/v1/persons', { body: person('P-DUP-2', card) });
  t.equal(again.statusCode, 409);
  t.match(again.json(), { code: 'PERSON_EXISTS', details: { personId: 'P-DUP-1', idCard: /\*/ } });
  t.notMatch(again.body, card, 'the full number is not echoed');
  const both = await Promise.all(['P-RACE-1', 'P-RACE-2'].map((id) => call('POST', '/v1/persons', { body: person(id, '330302198001010027') })));
  t.same(both.map((r) => r.statusCode).sort(), [201, 409], 'two at once: one is registered');

  // 330302 800101 071: born 1980-01-01, sequence 071 → 330302 1980 0101 071 + check digit.
  const old = await call('POST', '/v1/persons', { body: person('P-OLD', '330302800101071') });
  t.equal(old.statusCode, 201, old.body.slice(0, 200));
  t.equal(old.json().idCard, '330302198001010713');
  const found = await call('GET', '/v1/persons?idCard=330302800101071', { as: { role: 'hospital', hospital: H.WZ2 } });
  t.same(found.json().items.map((i: { personId: string }) => i.personId), ['P-OLD'], 'the look-up takes the old number too');
  t.equal((await call('POST', '/v1/persons', { body: person('P-OLD-2', '330302198001010713') })).statusCode, 409, 'and it is the same card');
});

t.test('CSV import errors name the row by its line in the file, blank lines counted', async (t) => {
  const card = '330302198505051236';
  const csv = `id_card,category,valid_from,valid_to\n${card},dibao,2026-01-01,\n\n\n${card},tekun,2026-13-01,\n`;
  const r = await call('POST', '/v1/identity-imports?batchId=csv-lines&source=civil_affairs', { body: csv, headers: { 'content-type': 'text/csv' } });
  t.equal(r.json().code, 'IMPORT_REJECTED');
  t.same(r.json().details.errors.map((e: { row: number }) => e.row), [4], 'line 5 of the file, the 4th after the header');
});

t.test('an identity import names the active settlements it changes the footing of, and changes none of them', async (t) => {
  const card = '330302199203030012';
  t.equal((await call('POST', '/v1/persons', { body: { id: 'P-REVIEW', name: '周复核', idCard: card, insuredRegion: '330300', scheme: 'urban_rural_resident' } })).statusCode, 201);
  const granted = await call('POST', '/v1/identity-imports', { body: { batchId: 'rv-1', source: 'civil_affairs', rows: [{ idCard: card, category: 'dibao', validFrom: '2026-01-01' }] } });
  t.match(granted.json(), { inserted: 1, settlementsToReview: [], settlementsToReviewCount: 0 });
  const s = await call('POST', '/v1/settlements', { body: bill({ personId: 'P-REVIEW', visitNo: 'V-REVIEW', admissionDate: '2026-05-01', dischargeDate: '2026-05-10' }), key: 'review-1' });
  t.equal(s.json().settlement.identity.used, 'dibao');

  const later = await call('POST', '/v1/identity-imports', { body: { batchId: 'rv-2', source: 'civil_affairs', rows: [{ idCard: card, category: 'tekun', validFrom: '2026-07-01' }] } });
  t.match(later.json(), { inserted: 1, settlementsToReview: [], settlementsToReviewCount: 0 }, 'a window starting after the settled visit changes nothing it relied on');
  const ended = await call('POST', '/v1/identity-imports', { body: { batchId: 'rv-3', source: 'civil_affairs', rows: [{ idCard: card, category: 'dibao', validFrom: '2026-01-01', validTo: '2026-04-30' }] } });
  t.equal(ended.statusCode, 201);
  t.same(ended.json().settlementsToReview, [{ settlementId: s.json().id, personId: 'P-REVIEW', hospitalCode: H.WZ2, visitNo: 'V-REVIEW', decidingDate: '2026-05-10', identityUsed: 'dibao' }]);
  t.equal(ended.json().settlementsToReviewCount, 1);
  t.equal((await call('GET', `/v1/settlements/${s.json().id}`)).json().status, 'active', 'the settlement itself is untouched');
  t.same((await call('GET', '/v1/identity-imports/rv-3')).json().settlementsToReview.map((x: { visitNo: string }) => x.visitNo), ['V-REVIEW'], 'the stored report says the same');
  const audit = await sql<{ detail: { settlementsToReview: number } }>`SELECT detail FROM audit_log WHERE action = 'identities.import' AND target_id = 'rv-3'`.execute(db);
  t.equal(audit.rows[0]!.detail.settlementsToReview, 1, 'and the audit row counts them');
});

t.test('the HIS look-up reads a corrected identity window as the settlement does (next-month rule)', async (t) => {
  const card = '33030219920404001x';
  t.equal((await call('POST', '/v1/persons', { body: { id: 'P-CORR', name: '吴更正', idCard: card, insuredRegion: '330300', scheme: 'urban_rural_resident' } })).statusCode, 201);
  await call('POST', '/v1/identity-imports', { body: { batchId: 'corr-1', source: 'civil_affairs', rows: [{ idCard: card, category: 'dibao', validFrom: '2026-01-01' }] } });
  // A correction: the same identity from 2026-06-10, which closes the first window on 06-09.
  const corr = await call('POST', '/v1/identity-imports', { body: { batchId: 'corr-2', source: 'civil_affairs', rows: [{ idCard: card, category: 'dibao', validFrom: '2026-06-10' }] } });
  t.match(corr.json(), { inserted: 1, closed: 1 });
  const look = await call('GET', `/v1/persons?idCard=${card}`, { as: { role: 'hospital', hospital: H.WZ2 } });
  t.same(look.json().items[0].categories.map((c: { category: string }) => c.category), ['dibao'], `today (${TODAY}) the look-up shows 低保, without a month's gap`);
  const preview = await call('POST', '/v1/settlements/preview', { body: bill({ personId: 'P-CORR', admissionDate: '2026-06-12', dischargeDate: TODAY }) });
  t.equal(preview.json().settlement.identity.used, 'dibao', 'as the settlement does');
});

t.test('a stored version whose id is longer than new ones may be still loads: the limit is checked when a version is added', async (t) => {
  const fresh = await testApp(t);
  const pack = (await fresh.call('GET', '/v1/policies/wenzhou-2019')).json().pack;
  const { insertPolicyVersion } = await import('../../src/db/repositories/reference.js');
  const id = `w-${'x'.repeat(68)}`;
  const stored = { ...pack, id, version: 'v'.repeat(80), effectiveFrom: '2031-01-01' };
  t.ok(await insertPolicyVersion(fresh.db, { id, region_code: '330300', version: stored.version, effective_from: '2031-01-01', effective_to: null, pack: stored, content_hash: 'x', origin: 'test' }));
  const preview = await fresh.call('POST', '/v1/settlements/preview', { body: bill({ personId: P.DIBAO }) });
  t.equal(preview.statusCode, 200, preview.body.slice(0, 200));
  t.equal((await fresh.call('GET', `/v1/policies/${id}`)).statusCode, 200);
});

t.test('a limit or year of Infinity (1e400 coerced by the schema) is a 400, not a 500', async (t) => {
  const cases: Array<[string, 'hospital' | 'ops' | 'admin', string]> = [
    ['/v1/settlements?limit=', 'ops', '/querystring/limit'],
    [`/v1/persons/${P.DIBAO}/ledger?year=`, 'ops', '/querystring/year'],
    ['/v1/audit?limit=', 'admin', '/querystring/limit'],
  ];
  for (const [url, as, path] of cases) {
    for (const v of ['1e400', 'Infinity', '-1e400', '-Infinity']) {
      const r = await call('GET', `${url}${v}`, { as });
      t.equal(r.statusCode, 400, `${url}${v}: ${r.body.slice(0, 160)}`);
      t.match(r.json(), { code: 'VALIDATION_FAILED', details: { errors: [{ path }] } });
    }
  }
  t.equal((await call('GET', '/v1/settlements?limit=1e3', { as: 'ops' })).statusCode, 400, 'and the maximum still holds');
});

t.test('an integer in a query string is decimal digits: hexadecimal, exponents, fractions, signs and blanks are 400', async (t) => {
  const cases: Array<[string, 'ops' | 'admin', string]> = [
    ['/v1/settlements?limit=', 'ops', '/querystring/limit'],
    [`/v1/persons/${P.DIBAO}/ledger?year=`, 'ops', '/querystring/year'],
    ['/v1/audit?limit=', 'admin', '/querystring/limit'],
  ];
  for (const [url, as, path] of cases) {
    const good = path.endsWith('year') ? '2026' : '10';
    const ok = await call('GET', `${url}${good}`, { as });
    t.equal(ok.statusCode, 200, `${url}${good}: ${ok.body.slice(0, 160)}`);
    for (const v of ['0x10', '0X7EA', '1e1', '2.026e3', '10.0', '+10', '%2010', '10%20', '0b1010', '0o12', '']) {
      const r = await call('GET', `${url}${v}`, { as });
      t.equal(r.statusCode, 400, `${url}${v}: ${r.body.slice(0, 160)}`);
      t.match(r.json(), { code: 'VALIDATION_FAILED', details: { errors: [{ path }] } }, `${url}${v}`);
    }
  }
  const negative = await call('GET', '/v1/settlements?limit=-5', { as: 'ops' });
  t.match([negative.statusCode, negative.json().details.errors[0].message], [400, /must be >= 1/], 'a minus sign is read, and the minimum refuses it');
  t.equal((await call('GET', '/v1/settlements?limit=007', { as: 'ops' })).statusCode, 200, 'leading zeros are still decimal digits');
});

t.test('a new policy version dated outside 2000–2200 is POLICY_INVALID and nothing is stored; one stored before the check still lists', async (t) => {
  const fresh = await testApp(t);
  const pack = (await fresh.call('GET', '/v1/policies/wenzhou-2019')).json().pack;
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['far-to', { effectiveFrom: '2030-01-01', effectiveTo: '9999-12-31' }, '/effectiveTo'],
    ['early-from', { effectiveFrom: '1000-01-01' }, '/effectiveFrom'],
    ['year-one', { effectiveFrom: '0001-01-01' }, '/effectiveFrom'],
    ['layer-from', { effectiveFrom: '2030-01-01', extraLayers: [{ ...pack.extraLayers[0], effectiveFrom: '1999-12-31' }] }, '/extraLayers/0/effectiveFrom'],
  ];
  for (const [id, change, path] of cases) {
    const r = await fresh.call('POST', '/v1/policies', { body: { ...pack, id: `w-${id}`, version: id, ...change } });
    t.equal(r.statusCode, 422, `${id}: ${r.body.slice(0, 200)}`);
    t.match(r.json(), { code: 'POLICY_INVALID', details: { errors: [{ path }] } });
    t.equal((await fresh.call('GET', `/v1/policies/w-${id}`)).statusCode, 404, `${id}: not stored`);
  }
  t.match((await fresh.call('POST', '/v1/policies', { body: { ...pack, id: 'w-far-to', version: 'far-to', effectiveFrom: '2030-01-01', effectiveTo: '9999-12-31' } })).json().message, /an open end is null/);
  const audit = await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log WHERE action = 'policy.add' AND target_id LIKE 'w-%'`.execute(fresh.db);
  t.equal(audit.rows[0]!.n, '0', 'no audit row either');
  const edge = await fresh.call('POST', '/v1/policies', { body: { ...pack, id: 'w-edge', version: 'edge', effectiveFrom: '2030-01-01', effectiveTo: '2200-12-31' } });
  t.equal(edge.statusCode, 201, 'the last day of 2200 is a day of the range');
  t.equal(edge.json().effectiveTo, '2200-12-31');

  // A version an older service stored with such a date loads and lists (the loader takes
  // any real day); before, every list of versions answered 500 from then on.
  const { insertPolicyVersion } = await import('../../src/db/repositories/reference.js');
  const stored = { ...pack, id: 'w-stored-9999', version: 'stored-9999', effectiveFrom: '2031-01-01', effectiveTo: '9999-12-31' };
  t.ok(await insertPolicyVersion(fresh.db, { id: stored.id, region_code: '330300', version: stored.version, effective_from: '2031-01-01', effective_to: '9999-12-31', pack: stored, content_hash: 'x', origin: 'test' }));
  const list = await fresh.call('GET', '/v1/policies?region=330300');
  t.equal(list.statusCode, 200, list.body.slice(0, 200));
  t.ok(list.json().items.some((v: { id: string; effectiveTo: string | null }) => v.id === 'w-stored-9999' && v.effectiveTo === '9999-12-31'));
  t.equal((await fresh.call('GET', '/v1/policies/w-stored-9999')).statusCode, 200);
  t.equal((await fresh.call('POST', '/v1/settlements/preview', { body: bill({ personId: P.DIBAO }) })).statusCode, 200, 'settlements go on');
});

t.test('a request whose body never arrives whole is answered 408 after REQUEST_TIMEOUT_SECONDS, nothing written', async (t) => {
  const slow = await testApp(t, { config: { REQUEST_TIMEOUT_SECONDS: 1 } });
  const address = await slow.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = new URL(address);
  const body = JSON.stringify(bill({ personId: P.ORD, visitNo: 'V-STALLED' }));
  const started = performance.now();
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      // Headers and half the body: the client stalls with the rest unsent and the socket open.
      socket.write(`POST /v1/settlements HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${slow.apiKey}\r\nIdempotency-Key: stalled-1\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, body.length >> 1)}`);
    });
    let received = '';
    socket.on('data', (d) => (received += d.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  const waited = performance.now() - started;
  t.match(text, /^HTTP\/1\.1 408 /);
  t.same(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)), { code: 'REQUEST_TIMEOUT', message: 'the request was not received in time', details: {} });
  t.ok(waited >= 1000 && waited < 10_000, `answered after the timeout, not never (${Math.round(waited)} ms)`);
  t.same(await writtenForKey(slow.db, 'stalled-1'), { keys: 0, settlements: 0 }, 'nothing written');
});

t.test('a JSON body is taken as typed: no value is converted to the type its field wants', async (t) => {
  const base = bill({ personId: P.ORD, visitNo: 'V-TYPED' });
  const wrong: Array<[string, unknown]> = [
    ['/referral', { ...base, referral: 'false' }],
    ['/referral', { ...base, referral: 0 }],
    ['/lines', { ...base, lines: base.lines[0] }],
    ['/visitNo', { ...base, visitNo: ['V-TYPED'] }],
    ['/hospitalCode', { ...base, hospitalCode: 12345 }],
  ];
  for (const [field, body] of wrong) {
    const r = await call('POST', '/v1/settlements', { body, key: `typed-${field}` });
    t.equal(r.statusCode, 400, `${field}: ${r.body.slice(0, 160)}`);
    t.equal(r.json().code, 'VALIDATION_FAILED');
    t.equal(r.json().details.errors[0].path, `/body${field}`, 'the field is named, as a path like every other refusal gives');
    t.same(await writtenForKey(db, `typed-${field}`), { keys: 0, settlements: 0 }, `${field}: nothing written`);
  }
  const level = await call('POST', '/v1/hospitals', { body: { code: 'WZ-TYPED', name: '类型医院', level: '2', regionCode: '330300', designatedFrom: '2015-01-01' } });
  t.equal(level.statusCode, 400, 'a level sent as text');
  const reason = await call('POST', '/v1/settlements/00000000-0000-4000-8000-000000000000/reversal', { body: { reason: ['typo'] } });
  t.equal(reason.statusCode, 400, 'a reason sent as an array');
  t.equal((await call('POST', '/v1/settlements', { body: base, key: 'typed-ok' })).statusCode, 201, 'the same bill with its own types settles');
  // Query strings are text: their numbers are still read as numbers. (Two rows listed
  // first, once older transactions have ended: see helpers/list.ts.)
  t.ok((await eventually(() => allListed((url) => call('GET', url, { as: 'ops' }), '', 100), (ids) => ids.length >= 2)).length >= 2, 'two rows listed');
  const page = await call('GET', '/v1/settlements?limit=1');
  t.equal(page.statusCode, 200);
  t.equal(page.json().items.length, 1);
});

t.test('a body sent compressed or in another charset than UTF-8 is 415 before it is parsed', async (t) => {
  const body = JSON.stringify(bill({ personId: P.ORD, visitNo: 'V-CHARSET' }));
  const key = ctx.apiKey;
  const send = (headers: Record<string, string>, payload: string | Buffer = body) =>
    ctx.app.inject({ method: 'POST', url: '/v1/settlements/preview', payload, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers } });
  for (const [headers, payload] of [
    [{ 'content-encoding': 'gzip' }, gzipSync(body)],
    [{ 'content-encoding': 'br' }, body],
    [{ 'content-type': 'application/json; charset=utf-16' }, Buffer.from(body, 'utf16le')],
    [{ 'content-type': 'application/json; charset="ISO-8859-1"' }, body],
  ] as const) {
    const r = await send(headers, payload);
    t.equal(r.statusCode, 415, JSON.stringify(headers));
    t.match(r.json(), { code: 'UNSUPPORTED_MEDIA_TYPE', message: /is not read: send it (uncompressed|in UTF-8)/ });
  }
  for (const headers of [{}, { 'content-encoding': 'identity' }, { 'content-type': 'application/json; charset=UTF-8' }, { 'content-type': 'application/json;charset=utf8' }] as Array<Record<string, string>>) {
    t.equal((await send(headers)).statusCode, 200, `${JSON.stringify(headers)} is read`);
  }
  t.equal((await ctx.app.inject({ method: 'GET', url: '/v1/settlements?limit=1', headers: { authorization: `Bearer ${await ctx.keyFor('ops')}`, 'content-encoding': 'gzip' } })).statusCode, 200, 'a request without a body is not refused for its headers');
});

t.test('an unparsable JSON body is 400 MALFORMED_JSON saying what is wrong, never quoting the body', async (t) => {
  const send = (payload: string) =>
    ctx.app.inject({ method: 'POST', url: '/v1/settlements/preview', payload, headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/json' } });
  const whole = JSON.stringify(bill({ personId: P.ORD, visitNo: 'V-JSON-330302199001011234' }));
  const cases: Array<[string, string, RegExp]> = [
    ['cut short', whole.slice(0, 80), /ends \(after 80 characters\) before its value does: was it cut short\?/],
    ['a missing comma', whole.replace('","visitNo"', '" "visitNo"'), /Expected ',' or '}' after property value in JSON at position \d+/],
    ['a stray token', '{"a":}', /the body is not valid JSON: an unexpected character$/],
    ['a trailing comma', `${whole.slice(0, -1)},}`, /the body is not valid JSON: /],
    ['a __proto__ key', '{"__proto__":{"x":1}}', /"__proto__" key or a "constructor" key holding "prototype", which are refused/],
    ['constructor.prototype', '{"constructor":{"prototype":{"x":1}}}', /which are refused/],
    ['nothing', '', /the request body is empty but the content type says JSON/],
  ];
  for (const [what, payload, message] of cases) {
    const r = await send(payload);
    t.equal(r.statusCode, 400, what);
    t.equal(r.json().code, 'MALFORMED_JSON', what);
    t.match(r.json().message, message, `${what}: ${r.json().message}`);
    t.notMatch(r.body, '330302199001011234', `${what}: the body is not quoted`);
  }
  t.match((await send(whole.replace('","visitNo"', '" "visitNo"'))).json().details, { position: Number }, 'the position, where V8 says it');
  t.equal((await send(whole)).statusCode, 200, 'the whole body is read');
});

t.test('bodies are UTF-8 or refused; text/plain is read by no route; refusals never quote what was sent', async (t) => {
  const hospitalKey = ctx.apiKey;
  const admin = await ctx.keyFor('admin');
  const inject = (url: string, payload: string | Buffer, contentType: string, key = admin) =>
    ctx.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${key}`, 'content-type': contentType } });
  // 温州 in GBK: bytes that are not UTF-8.
  const gbk = Buffer.concat([Buffer.from('{"code":"WZ-GBK","name":"'), Buffer.from([0xce, 0xc2, 0xd6, 0xdd]), Buffer.from('","level":2,"regionCode":"330300","designatedFrom":"2015-01-01"}')]);
  const j = await inject('/v1/hospitals', gbk, 'application/json');
  t.equal(j.statusCode, 400);
  t.match(j.json(), { code: 'MALFORMED_JSON', message: /not UTF-8: byte 25 starts no UTF-8 character/, details: { byte: 25 } });
  t.equal((await ctx.call('GET', '/v1/hospitals/WZ-GBK')).statusCode, 404, 'nothing stored');
  const csv = Buffer.concat([Buffer.from('id_card,category,valid_from,valid_to,note\n330302198505051236,dibao,2024-01-01,,'), Buffer.from([0xce, 0xc2]), Buffer.from('\n')]);
  const c = await inject('/v1/identity-imports?batchId=gbk-1&source=civil_affairs', csv, 'text/csv');
  t.equal(c.statusCode, 400);
  t.match(c.json(), { code: 'MALFORMED_CSV', message: /not UTF-8/ });
  const bom = await inject('/v1/settlements/preview', `\uFEFF${JSON.stringify(bill({ personId: P.ORD }))}`, 'application/json', hospitalKey);
  t.equal(bom.statusCode, 200, 'a UTF-8 BOM is dropped');

  const plain = await inject('/v1/persons', '{"x":1}', 'text/plain');
  t.equal(plain.statusCode, 415);
  t.match(plain.json(), { code: 'UNSUPPORTED_MEDIA_TYPE', message: /application\/json/ });

  const name = '330302199001011016';
  const quoted = await inject('/v1/identity-imports?batchId=q-1&source=civil_affairs', `id_card,category,valid_from,valid_to\n${name}"x,dibao,2026-01-01,\n`, 'text/csv');
  t.equal(quoted.statusCode, 400);
  t.match(quoted.json(), { code: 'MALFORMED_CSV', message: /a quote opens in the middle of a field \(line 2, column idCard\)/, details: { csvError: 'INVALID_OPENING_QUOTE', line: 2 } });
  t.notMatch(quoted.body, name, 'the CSV refusal does not quote the field');
  const token = await inject('/v1/persons', '{"name": 张三丰}', 'application/json');
  t.match(token.json(), { code: 'MALFORMED_JSON', message: /an unexpected character/ });
  t.notMatch(token.body, '张', 'nor does the JSON one');
  const long = await ctx.app.inject({ method: 'GET', url: `/v1/settlements/by-key/${name.repeat(7)}?hospital=x`, headers: { authorization: `Bearer ${await ctx.keyFor('ops')}` } });
  t.equal(long.statusCode, 414);
  t.notMatch(long.body, name, 'nor the 414');
});

t.test('unreadableBody: content and transfer codings other than identity and chunked, and every charset parameter, are looked at', async (t) => {
  const withBody = { 'content-length': '10' };
  const cases: Array<[Record<string, string>, RegExp | undefined]> = [
    [{ ...withBody }, undefined],
    [{ ...withBody, 'content-encoding': 'IDENTITY' }, undefined],
    [{ ...withBody, 'content-encoding': 'identity, gzip' }, /Content-Encoding identity, gzip/],
    [{ 'transfer-encoding': 'chunked' }, undefined],
    [{ 'transfer-encoding': 'gzip, chunked' }, /Transfer-Encoding gzip/],
    [{ 'transfer-encoding': 'x-foo, chunked' }, /Transfer-Encoding x-foo/],
    [{ ...withBody, 'content-type': 'application/json; charset=utf-8; charset=latin1' }, /charset "latin1"/],
    [{ ...withBody, 'content-type': 'application/json; charset=" latin1"' }, /charset "latin1"/],
    [{ ...withBody, 'content-type': 'text/csv; Charset="UTF-8"' }, undefined],
    [{ 'content-length': '0', 'content-encoding': 'gzip' }, undefined],
  ];
  for (const [headers, expected] of cases) {
    const why = unreadableBody(headers);
    if (expected === undefined) t.equal(why, undefined, JSON.stringify(headers));
    else t.match(why, expected, JSON.stringify(headers));
  }
});

t.test('a member sent twice in one object is 400 naming it, never settled on the last one', async (t) => {
  const b = bill({ personId: P.ORD, visitNo: 'V-TWICE' });
  const first = b.lines[0]!.amount;
  const text = JSON.stringify(b).replace(`"amount":"${first}"`, `"amount":"1.00","amount":"${first}"`);
  t.not(text, JSON.stringify(b), 'the first line carries its amount twice');
  const r = await ctx.app.inject({ method: 'POST', url: '/v1/settlements', payload: text, headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/json', 'idempotency-key': 'twice-1' } });
  t.equal(r.statusCode, 400);
  t.match(r.json(), { code: 'VALIDATION_FAILED', details: { errors: [{ path: '/body/lines/0/amount', message: /appears twice/ }] } });
  t.same(await writtenForKey(db, 'twice-1'), { keys: 0, settlements: 0 }, 'nothing written');
});
