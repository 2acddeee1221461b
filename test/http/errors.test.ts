import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { bill, H, P } from '../helpers/fixtures.js';

/** Every client mistake is a 4xx {code, message, details}; a server fault is a bare 500. */
const ctx = await testApp(t);
const { call, app } = ctx;

const refused = async (t: Test, r: { statusCode: number; json(): any }, status: number, code: string) => {
  t.equal(r.statusCode, status, code);
  t.equal(r.json().code, code);
  t.type(r.json().message, 'string');
  t.type(r.json().details, 'object');
};

t.test('authentication: missing or unknown keys are 401', async (t) => {
  await refused(t, await app.inject({ method: 'GET', url: '/v1/settlements' }), 401, 'UNAUTHORIZED');
  await refused(t, await app.inject({ method: 'GET', url: '/v1/settlements', headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHORIZED');
});

t.test('request shape: malformed JSON, schema failures, unknown fields, wrong media type', async (t) => {
  await refused(t, await app.inject({ method: 'POST', url: '/v1/settlements/preview', headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/json' }, payload: '{"hospitalCode":' }), 400, 'MALFORMED_JSON');
  await refused(t, await app.inject({ method: 'POST', url: '/v1/settlements/preview', headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/xml' }, payload: '<bill/>' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  const { referral: _r, ...noReferral } = bill();
  const r = await call('POST', '/v1/settlements/preview', { body: noReferral });
  await refused(t, r, 400, 'VALIDATION_FAILED');
  t.match(r.json().details.errors[0], { path: /body/, message: /referral/ });
  await refused(t, await call('POST', '/v1/settlements/preview', { body: { ...bill(), extra: 1 } }), 400, 'VALIDATION_FAILED');
  await refused(t, await call('POST', '/v1/settlements/preview', { body: { ...bill(), lines: [] } }), 400, 'VALIDATION_FAILED');
  await refused(t, await call('POST', '/v1/settlements/preview', { body: bill({ admissionDate: '2026/06/01' }) }), 400, 'VALIDATION_FAILED');
  await refused(t, await call('POST', '/v1/settlements/preview', { body: [] }), 400, 'VALIDATION_FAILED');
  await refused(t, await call('GET', '/v1/settlements/not-a-uuid'), 400, 'VALIDATION_FAILED');
  await refused(t, await call('GET', '/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
  await refused(t, await call('POST', '/v1/settlements', { body: bill() }), 400, 'IDEMPOTENCY_KEY_REQUIRED');
});

t.test('registry and policy refusals are 422 with their own codes', async (t) => {
  await refused(t, await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: 'NOPE' }) }), 422, 'UNKNOWN_HOSPITAL');
  await refused(t, await call('POST', '/v1/settlements', { body: bill({ personId: 'NOBODY' }), key: 'k-e1' }), 422, 'UNKNOWN_PERSON');
  await refused(t, await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: H.OLD }) }), 422, 'HOSPITAL_NOT_DESIGNATED');
  await refused(t, await call('POST', '/v1/settlements/preview', { body: bill({ admissionDate: '2019-05-01', dischargeDate: '2019-06-01' }) }), 422, 'NO_POLICY_FOR_DATE');
});

t.test('engine refusals of the bill (BILL_*) are 422, never 5xx', async (t) => {
  const b = bill({ personId: P.ORD });
  const wrongAmount = { ...b, lines: [{ ...b.lines[0]!, amount: '999.00' }] };
  await refused(t, await call('POST', '/v1/settlements', { body: wrongAmount, key: 'k-e2' }), 422, 'BILL_AMOUNT_MISMATCH');
  await refused(t, await call('POST', '/v1/settlements/preview', { body: bill({ admissionDate: '2026-06-12', dischargeDate: '2026-06-10' }) }), 422, 'BILL_DATES_INVERTED');
  const neg = { ...b, lines: [{ ...b.lines[0]!, quantity: '-1', amount: `-${b.lines[0]!.amount}` }] };
  const r = await call('POST', '/v1/settlements/preview', { body: neg });
  t.equal(r.statusCode, 422);
  t.match(r.json().code, /^BILL_/);
  t.equal((await call('GET', `/v1/settlements/by-key/k-e2?hospital=${H.WZ2}`)).statusCode, 404, 'nothing was committed');
});

t.test('a server fault is a 500 that names the request id and leaks nothing', async (t) => {
  const broken = await testApp(t, { hooks: { afterSettlementInsert: () => { throw new Error('secret: relation "xyz" password=hunter2'); } } });
  const r = await broken.call('POST', '/v1/settlements', { body: bill(), key: 'k-500' });
  t.equal(r.statusCode, 500);
  t.equal(r.json().code, 'INTERNAL');
  t.notMatch(r.body, /secret|hunter2|xyz|stack/);
  t.equal(r.json().details.requestId, r.headers['x-request-id']);
});

t.test('impossible calendar dates are 400 VALIDATION_FAILED, never a PostgreSQL 500', async (t) => {
  for (const q of ['from=2026-02-30', 'to=2025-02-29', 'from=2026-13-01', 'from=2026-06-00']) {
    await refused(t, await call('GET', `/v1/settlements?${q}`), 400, 'VALIDATION_FAILED');
  }
  t.equal((await call('GET', '/v1/settlements?from=2024-02-29&to=2024-03-01')).statusCode, 200, 'a leap day is a date');
  await refused(t, await call('POST', '/v1/settlements/preview', { body: bill({ admissionDate: '2026-02-30', dischargeDate: '2026-03-02' }) }), 400, 'VALIDATION_FAILED');
  await refused(t, await call('POST', '/v1/hospitals', { body: { code: 'D-1', name: '日期医院', level: 1, regionCode: '330300', designatedFrom: '2026-02-30' } }), 400, 'VALIDATION_FAILED');
  await refused(t, await call('POST', `/v1/hospitals/${H.WZ3}/changes`, { body: { effectiveFrom: '2031-04-31' } }), 400, 'VALIDATION_FAILED');
  const row = { idCard: '330302198001011231', category: 'dibao', validFrom: '2026-02-30' };
  await refused(t, await call('POST', '/v1/identity-imports', { body: { batchId: 'bad-date', source: 'civil_affairs', rows: [row] } }), 400, 'VALIDATION_FAILED');
});

t.test('a NUL character anywhere the service reads is 400 VALIDATION_FAILED naming where', async (t) => {
  const nul = async (r: { statusCode: number; json(): any }, where: RegExp) => {
    await refused(t, r, 400, 'VALIDATION_FAILED');
    t.match(r.json().details.errors?.[0]?.path, where);
  };
  await nul(await call('POST', '/v1/settlements', { body: bill(), key: 'a\0b' }), /headers\/idempotency-key/);
  await nul(await call('GET', '/v1/settlements?person=a%00b'), /querystring\/person/);
  await nul(await call('GET', '/v1/settlements?hospital=a%00b'), /querystring\/hospital/);
  await nul(await call('GET', '/v1/settlements/by-key/a%00b'), /params\/idempotencyKey/);
  await nul(await call('GET', '/v1/settlements/by-key/a%00b', { as: { role: 'hospital', hospital: H.WZ2 } }), /params\/idempotencyKey/);
  await nul(await call('GET', '/v1/persons?idCard=3303%00', { as: 'ops' }), /querystring\/idCard/);
  await nul(await call('GET', '/v1/identity-imports/a%00b'), /params\/batchId/);
  await nul(await call('GET', '/v1/policies/a%00b'), /params\/id/);
  await nul(await call('POST', '/v1/settlements', { body: bill({ visitNo: 'V\0-1' }), key: 'k-nul-1' }), /body\/visitNo/);
  const b = bill();
  await nul(await call('POST', '/v1/settlements/preview', { body: { ...b, lines: [b.lines[0]!, { ...b.lines[1]!, name: '头孢\0' }] } }), /body\/lines\/1\/name/);
  await nul(await call('POST', '/v1/hospitals', { body: { code: 'N-1', name: 'a\0b', level: 1, regionCode: '330300', designatedFrom: '2026-01-01' } }), /body\/name/);
  await nul(await call('POST', '/v1/persons', { body: { id: 'P-NUL', name: '\0', idCard: '330302198505051236', insuredRegion: '330300', scheme: 'employee' } }), /body\/name/);
  await nul(await call('POST', '/v1/keys', { body: { label: 'k\0', role: 'ops' } }), /body\/label/);
  await nul(await call('POST', '/v1/policies', { body: { id: 'p', notes: { 'k\0': 1 } } }), /body\/notes/);
  await nul(await call('POST', '/v1/identity-imports?batchId=csv-nul&source=civil_affairs', { body: 'id_card,category,valid_from,valid_to\n3303\0,dibao,2026-01-01,\n', headers: { 'content-type': 'text/csv' } }), /body/);
  const s = (await call('POST', '/v1/settlements', { body: bill(), key: 'k-nul-ok' })).json();
  await nul(await call('POST', `/v1/settlements/${s.id}/reversal`, { body: { reason: 'oops\0' } }), /body\/reason/);
  t.equal((await call('GET', `/v1/settlements/by-key/k-nul-1?hospital=${H.WZ2}`)).statusCode, 404, 'nothing was written');
});

t.test('last line of defence: a PostgreSQL data exception on a value the request brought is 400, on any other value 500', async (t) => {
  const x = await testApp(t);
  // Routes outside /v1 (no API key) that hand values to PostgreSQL without validating them.
  x.app.post('/test/cast', async (req) => {
    const b = req.body as { v: string; type: 'date' | 'uuid' | 'int' | 'num' };
    const cast = { date: sql`${b.v}::date`, uuid: sql`${b.v}::uuid`, int: sql`${b.v}::int`, num: sql`${b.v}::numeric(14,2)` }[b.type];
    return (await sql<{ v: unknown }>`SELECT ${cast} AS v`.execute(x.db)).rows[0];
  });
  x.app.get('/test/by-id/:id', async (req) => (await sql`SELECT ${(req.params as { id: string }).id}::uuid AS v`.execute(x.db)).rows[0]);
  x.app.get('/test/own-bug', async () => (await sql`SELECT '2026-02-30'::date AS v`.execute(x.db)).rows[0]);
  x.app.get('/test/own-overflow', async () => (await sql`SELECT 1e13::numeric(14,2) AS v`.execute(x.db)).rows[0]);
  for (const [type, v] of [['date', '2026-02-30'], ['date', 'yesterday-ish'], ['uuid', 'abc'], ['int', '99999999999'], ['num', '1e13']] as const) {
    const r = await x.app.inject({ method: 'POST', url: '/test/cast', payload: { type, v } });
    await refused(t, r, 400, 'VALIDATION_FAILED');
    t.notMatch(r.body, /SELECT|numeric\(14/, 'no SQL in the answer');
  }
  await refused(t, await x.app.inject({ method: 'GET', url: '/test/by-id/not-a-uuid' }), 400, 'VALIDATION_FAILED');
  const overflow = await x.app.inject({ method: 'GET', url: '/test/own-overflow' });
  t.equal(overflow.statusCode, 500, 'an overflow with no request body to blame stays a 500');
  const own = await x.app.inject({ method: 'GET', url: '/test/own-bug' });
  t.equal(own.statusCode, 500, 'a bad value of our own making stays a 500');
  t.equal(own.json().code, 'INTERNAL');
});

t.test('a lone UTF-16 surrogate anywhere the service stores is 400 VALIDATION_FAILED naming where, not a jsonb 500', async (t) => {
  const bad = async (r: { statusCode: number; json(): any }, where: RegExp) => {
    await refused(t, r, 400, 'VALIDATION_FAILED');
    t.match(r.json().details.errors?.[0], { path: where, message: /well-formed Unicode/ });
  };
  const b = bill();
  await bad(await call('POST', '/v1/settlements', { body: bill({ visitNo: 'V\ud800' }), key: 'k-sur-1' }), /body\/visitNo/);
  await bad(await call('POST', '/v1/settlements', { body: { ...b, lines: [b.lines[0]!, { ...b.lines[1]!, name: '头孢\udc00' }] }, key: 'k-sur-2' }), /body\/lines\/1\/name/);
  await bad(await call('POST', '/v1/settlements', { body: bill({ hospitalCode: 'X\ud800' }), key: 'k-sur-3' }), /body\/hospitalCode/);
  await bad(await call('POST', '/v1/settlements', { body: bill(), key: 'k-sur-4', headers: { 'idempotency-key': 'k\udc00' } }), /headers\/idempotency-key|body/);
  await bad(await call('POST', '/v1/hospitals', { body: { code: 'S-1', name: 'a\ud800', level: 1, regionCode: '330300', designatedFrom: '2026-01-01' } }), /body\/name/);
  await bad(await call('POST', '/v1/persons', { body: { id: 'P-SUR', name: '\udfff', idCard: '330302198505051236', insuredRegion: '330300', scheme: 'employee' } }), /body\/name/);
  await bad(await call('POST', '/v1/keys', { body: { label: 'k\ud800', role: 'ops' } }), /body\/label/);
  const ok = await call('POST', '/v1/settlements', { body: bill({ visitNo: 'V-😷-1' }), key: 'k-sur-ok' });
  t.equal(ok.statusCode, 201, 'a surrogate pair (one code point) is ordinary text');
  t.equal(ok.json().visitNo, 'V-😷-1');
  for (const k of ['k-sur-1', 'k-sur-2', 'k-sur-3']) t.equal((await call('GET', `/v1/settlements/by-key/${k}?hospital=${H.WZ2}`)).statusCode, 404, `nothing was written for ${k}`);
});

t.test('a body nested 100,000 deep is refused as a client mistake, never a stack overflow', async (t) => {
  // Sent as text: JSON.stringify itself cannot write such a value (JSON.parse reads it).
  const deep = (inner: string) => `${'['.repeat(100_000)}${inner}${']'.repeat(100_000)}`;
  const b = JSON.stringify(bill());
  const send = (body: string, key: string) =>
    call('POST', '/v1/settlements', { body, key, as: { role: 'hospital', hospital: H.WZ2 }, headers: { 'content-type': 'application/json' } });
  const nested = await send(b.replace('"lines":', `"extra":${deep('"x"')},"lines":`), 'k-deep-1');
  await refused(t, nested, 400, 'VALIDATION_FAILED');
  const withNul = await send(b.replace('"lines":', `"extra":${deep('"\\u0000"')},"lines":`), 'k-deep-2');
  await refused(t, withNul, 400, 'VALIDATION_FAILED');
  t.match(withNul.json().details.errors?.[0], { path: /^\/body\/extra(\/0){100000}$/, message: /NUL/ }, 'the NUL at the bottom is found and named');
});

t.test('ids with a urn:uuid: prefix, paths that are not UTF-8 and tampered cursors are 400s with our own codes', async (t) => {
  const s = (await call('POST', '/v1/settlements', { body: bill(), key: 'k-urn' })).json();
  const urn = await call('GET', `/v1/settlements/urn:uuid:${s.id}`);
  await refused(t, urn, 400, 'VALIDATION_FAILED');
  t.notMatch(urn.body, /invalid input syntax/, 'the schema refuses it before PostgreSQL sees it');
  await refused(t, await call('POST', `/v1/keys/urn:uuid:${s.id}/revocation`), 400, 'VALIDATION_FAILED');
  await refused(t, await call('GET', '/v1/settlements/by-key/%FF%FE'), 400, 'MALFORMED_URL');
  const badUrl = await app.inject({ method: 'GET', url: '/v1/settlements/%E0%A4%A' });
  await refused(t, badUrl, 400, 'MALFORMED_URL');
  t.match(badUrl.headers['x-request-id'], /\S/, 'with the request id header like every other answer');
  const cursor = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const uuid = '0b7d4b3e-8f00-4c5e-9a4e-2f1d2c3b4a59';
  for (const c of [
    cursor(['812', '2026-06-15 10:00:00+08', '------------------------------------']),
    cursor(['812', '2026-13-45 10:00:00+08', uuid]),
    cursor(['812', '2026-02-30 10:00:00+08', uuid]),
    cursor(['812', '2026-06-15 24:00:00+08', uuid]),
    cursor(['812', '2026-06-15 10:00:00+99', uuid]),
    cursor(['812', '0000-06-15 10:00:00+08', uuid]),
    cursor(['812', '2026-06-15 10:00:00+08', uuid.toUpperCase().replace(/-/g, 'x')]),
    // The transaction id: xid8's decimal text, at most 2^64 - 1.
    cursor(['18446744073709551616', '2026-06-15 10:00:00+08', uuid]),
    cursor(['-1', '2026-06-15 10:00:00+08', uuid]),
    cursor(['0812', '2026-06-15 10:00:00+08', uuid]),
    cursor([812, '2026-06-15 10:00:00+08', uuid]),
    cursor(['812', '2026-06-15 10:00:00+08', uuid, 'more']),
    // The list's cursors before migration 20261204230000: (created_at, id).
    cursor(['2026-06-15 10:00:00+08', uuid]),
    cursor({ 0: '812', 1: '2026-06-15 10:00:00+08', 2: uuid, length: 3 }),
    'not base64 at all',
  ]) {
    await refused(t, await call('GET', `/v1/settlements?cursor=${encodeURIComponent(c)}`), 400, 'INVALID_CURSOR');
  }
  for (const xid of ['18446744073709551615', '0']) {
    const page = await call('GET', `/v1/settlements?cursor=${cursor([xid, '2999-12-31 23:59:59.999999+08', uuid])}`);
    t.equal(page.statusCode, 200, `a well-formed cursor still pages (transaction ${xid})`);
  }
});
