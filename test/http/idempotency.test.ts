import t from 'tap';
import { testApp } from '../helpers/app.js';
import { bill, H, P } from '../helpers/fixtures.js';

/*
 * Idempotency keys are unique per hospital: each HIS makes up its own keys, so two
 * hospitals sending the same key are two requests, and neither may learn anything
 * about the other's.
 */
const { call } = await testApp(t);
const wz2 = { role: 'hospital', hospital: H.WZ2 } as const;
const wz3 = { role: 'hospital', hospital: H.WZ3 } as const;

t.test('two hospitals using the same key each settle their own bill', async (t) => {
  const a = await call('POST', '/v1/settlements', { as: wz2, body: bill({ personId: P.DIBAO }), key: 'his-000123' });
  const b = await call('POST', '/v1/settlements', { as: wz3, body: bill({ hospitalCode: H.WZ3, personId: P.ORD }), key: 'his-000123' });
  t.equal(a.statusCode, 201);
  t.equal(b.statusCode, 201, 'the second hospital is not refused');
  t.not(a.json().id, b.json().id);
  t.equal(b.json().hospitalCode, H.WZ3);
  t.notMatch(b.body, new RegExp(`${P.DIBAO}|${a.json().id}`), "the answer carries nothing of the other hospital's request");

  const againA = await call('POST', '/v1/settlements', { as: wz2, body: bill({ personId: P.DIBAO, visitNo: 'unused' }), key: 'his-000123' });
  t.equal(againA.statusCode, 409, 'a different body under the same key of the same hospital is a conflict');
  t.equal(againA.json().code, 'IDEMPOTENCY_CONFLICT');
  t.equal(againA.json().details.settlementId, a.json().id);
  t.match(JSON.stringify(againA.json().details.differences), /visitNo/, 'the conflict names what differs');
  t.notMatch(againA.body, new RegExp(`${P.ORD}|${b.json().id}`), "the conflict shows nothing of the other hospital's request");
});

t.test('a retry of the same body under the same key replays that hospital\'s settlement', async (t) => {
  const req = bill({ hospitalCode: H.WZ3, personId: P.TEKUN });
  const first = await call('POST', '/v1/settlements', { as: wz3, body: req, key: 'his-000777' });
  const other = await call('POST', '/v1/settlements', { as: wz2, body: bill({ personId: P.ORD }), key: 'his-000777' });
  const retry = await call('POST', '/v1/settlements', { as: wz3, body: req, key: 'his-000777' });
  t.equal(first.statusCode, 201);
  t.equal(other.statusCode, 201);
  t.equal(retry.statusCode, 200);
  t.equal(retry.json().replayed, true);
  t.equal(retry.json().id, first.json().id);
});

t.test('by-key looks in one hospital: its own for hospital keys, the named one for ops', async (t) => {
  const a = (await call('POST', '/v1/settlements', { as: wz2, body: bill({ personId: P.DIBAO }), key: 'his-shared-9' })).json();
  const b = (await call('POST', '/v1/settlements', { as: wz3, body: bill({ hospitalCode: H.WZ3, personId: P.ORD }), key: 'his-shared-9' })).json();
  t.equal((await call('GET', '/v1/settlements/by-key/his-shared-9', { as: wz2 })).json().id, a.id, 'hospital key: its own settlement');
  t.equal((await call('GET', '/v1/settlements/by-key/his-shared-9', { as: wz3 })).json().id, b.id, 'the other hospital: its own');
  const peek = await call('GET', `/v1/settlements/by-key/his-shared-9?hospital=${H.WZ3}`, { as: wz2 });
  t.equal(peek.statusCode, 404, "another hospital's key does not exist for this key holder");
  t.equal(peek.json().code, 'SETTLEMENT_NOT_FOUND');
  t.equal((await call('GET', `/v1/settlements/by-key/his-shared-9?hospital=${H.WZ3}`, { as: 'ops' })).json().id, b.id, 'ops name the hospital');
  const unnamed = await call('GET', '/v1/settlements/by-key/his-shared-9', { as: 'ops' });
  t.equal(unnamed.statusCode, 400, 'ops must say which hospital');
  t.equal(unnamed.json().code, 'VALIDATION_FAILED');
  t.equal((await call('GET', `/v1/settlements/by-key/never-used?hospital=${H.WZ2}`, { as: 'ops' })).statusCode, 404);
});
