import t, { type Test } from 'tap';
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
  t.equal((await call('GET', '/v1/settlements/by-key/k-e2')).statusCode, 404, 'nothing was committed');
});

t.test('a server fault is a 500 that names the request id and leaks nothing', async (t) => {
  const broken = await testApp(t, { hooks: { afterSettlementInsert: () => { throw new Error('secret: relation "xyz" password=hunter2'); } } });
  const r = await broken.call('POST', '/v1/settlements', { body: bill(), key: 'k-500' });
  t.equal(r.statusCode, 500);
  t.equal(r.json().code, 'INTERNAL');
  t.notMatch(r.body, /secret|hunter2|xyz|stack/);
  t.equal(r.json().details.requestId, r.headers['x-request-id']);
});
