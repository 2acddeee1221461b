import t from 'tap';
import { ACCESS } from '../../src/http/access.js';
import type { Role } from '../../src/services/api-keys.js';
import { testApp, type As } from '../helpers/app.js';
import { addPerson, bill, H, P } from '../helpers/fixtures.js';
import { eventually } from '../helpers/list.js';

/**
 * The access matrix: every endpoint × every caller (hospital and cashier keys of the
 * settlement's hospital and of another one, ops, admin), each answer asserted. Rows run
 * in order, callers in the column order, so a write that only one caller may make runs once.
 */
const ctx = await testApp(t);
const { call } = ctx;
const S = (await call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-matrix' })).json();
// The settlement the matrix reverses: of a person nothing else here settles for, so it stays the last one its ledger took.
await addPerson(ctx.db, 'P-MATRIX-R');
const R = (await call('POST', '/v1/settlements', { body: bill({ personId: 'P-MATRIX-R' }), key: 'k-matrix-r' })).json();
const wenzhou = (await call('GET', '/v1/policies/wenzhou-2019')).json().pack;
const throwaway = (await call('POST', '/v1/keys', { body: { label: 'to revoke', role: 'ops' } })).json();

const callers: Array<[string, As]> = [
  ['hospital/own', { role: 'hospital', hospital: H.WZ2 }],
  ['hospital/other', { role: 'hospital', hospital: H.WZ3 }],
  ['cashier/own', { role: 'cashier', hospital: H.WZ2 }],
  ['cashier/other', { role: 'cashier', hospital: H.WZ3 }],
  ['ops', 'ops'],
  ['admin', 'admin'],
];

type Req = { method: 'GET' | 'POST'; url: string; body?: (caller: number) => unknown; headers?: Record<string, string>; key?: (caller: number) => string };
const n = 403; // shorthand for a refused role
const rows: Array<[string, Req, number[]]> = [
  ['preview', { method: 'POST', url: '/v1/settlements/preview', body: () => bill() }, [200, 403, n, n, n, n]],
  ['settle', { method: 'POST', url: '/v1/settlements', body: () => bill(), key: (c) => `k-m-${c}` }, [201, 403, n, n, n, n]],
  ['get settlement', { method: 'GET', url: `/v1/settlements/${S.id}` }, [200, 404, 200, 404, 200, n]],
  ['list own hospital', { method: 'GET', url: `/v1/settlements?hospital=${H.WZ2}` }, [200, 403, 200, 403, 200, n]],
  ['by key', { method: 'GET', url: `/v1/settlements/by-key/k-matrix?hospital=${H.WZ2}` }, [200, 404, 200, 404, 200, n]],
  ['slip', { method: 'GET', url: `/v1/settlements/${S.id}/slip?format=text` }, [200, 404, 200, 404, 200, n]],
  ['reversal', { method: 'POST', url: `/v1/settlements/${R.id}/reversal`, body: () => ({ reason: 'matrix' }) }, [201, 404, n, n, n, n]],
  ['replay', { method: 'POST', url: `/v1/settlements/${S.id}/replay`, body: () => ({}) }, [n, n, n, n, 200, n]],
  ['ledger', { method: 'GET', url: `/v1/persons/${P.DIBAO}/ledger` }, [200, 404, n, n, 200, n]],
  ['person look-up', { method: 'GET', url: '/v1/persons?idCard=330302198001011231' }, [200, 200, n, n, 200, n]],
  ['person record', { method: 'GET', url: `/v1/persons/${P.DIBAO}` }, [n, n, n, n, 200, 200]],
  ['create person', { method: 'POST', url: '/v1/persons', body: (c) => ({ id: `P-M-${c}`, name: '矩阵', idCard: '330302198505051236', insuredRegion: '330300', scheme: 'employee' }) }, [n, n, n, n, n, 201]],
  ['list hospitals', { method: 'GET', url: '/v1/hospitals' }, [n, n, n, n, 200, 200]],
  ['get hospital', { method: 'GET', url: `/v1/hospitals/${H.WZ2}` }, [n, n, n, n, 200, 200]],
  ['create hospital', { method: 'POST', url: '/v1/hospitals', body: (c) => ({ code: `M-${c}`, name: '矩阵医院', level: 1, regionCode: '330300', designatedFrom: '2020-01-01' }) }, [n, n, n, n, n, 201]],
  ['change hospital', { method: 'POST', url: `/v1/hospitals/${H.WZ3}/changes`, body: () => ({ effectiveFrom: '2030-01-01', name: '温州三级医院（新址）' }) }, [n, n, n, n, n, 201]],
  ['import identities', { method: 'POST', url: '/v1/identity-imports', body: () => ({ batchId: 'm-1', source: 'civil_affairs', rows: [{ idCard: '330302198505051236', category: 'dibao', validFrom: '2026-06-01' }] }) }, [n, n, n, n, n, 201]],
  ['import report', { method: 'GET', url: '/v1/identity-imports/m-1' }, [n, n, n, n, 200, 200]],
  ['list policies', { method: 'GET', url: '/v1/policies' }, [n, n, n, n, 200, 200]],
  ['get policy', { method: 'GET', url: '/v1/policies/wenzhou-2019' }, [n, n, n, n, 200, 200]],
  ['add policy', { method: 'POST', url: '/v1/policies', body: () => ({ ...wenzhou, id: 'wenzhou-m', version: 'm', effectiveFrom: '2031-01-01' }) }, [n, n, n, n, n, 201]],
  ['list keys', { method: 'GET', url: '/v1/keys' }, [n, n, n, n, n, 200]],
  ['create key', { method: 'POST', url: '/v1/keys', body: () => ({ label: 'm', role: 'cashier', hospitalCode: H.WZ2 }) }, [n, n, n, n, n, 201]],
  ['revoke key', { method: 'POST', url: `/v1/keys/${throwaway.id}/revocation` }, [n, n, n, n, n, 200]],
  ['audit log', { method: 'GET', url: '/v1/audit' }, [n, n, n, n, 200, 200]],
];

t.test('role × endpoint × own/other hospital', async (t) => {
  for (const [name, req, expected] of rows) {
    for (const [i, [who, as]] of callers.entries()) {
      const r = await call(req.method, req.url, { as, ...(req.body ? { body: req.body(i) } : {}), ...(req.key ? { key: req.key(i) } : {}) });
      t.equal(r.statusCode, expected[i], `${name} as ${who}: ${r.statusCode === expected[i] ? '' : r.body.slice(0, 200)}`);
      if (expected[i] === 403 && r.statusCode === 403) t.match(r.json().code, /^(FORBIDDEN|HOSPITAL_MISMATCH)$/);
      if (expected[i] === 404 && r.statusCode === 404) t.equal(r.json().code, req.url.includes('/persons/') ? 'PERSON_NOT_FOUND' : 'SETTLEMENT_NOT_FOUND', 'other hospitals’ data does not exist for this key');
    }
  }
});

t.test('the matrix covers every /v1 route and the access table names only real routes', async (t) => {
  const paths = (ctx.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
  const routes = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`)).filter((k) => k.includes(' /v1/'));
  t.same(Object.keys(ACCESS).sort(), routes.sort(), 'one access row per route');
  t.equal(rows.length, routes.length, 'one matrix row per route');
});

t.test('percent-encoded paths reach the same routes and need the same key', async (t) => {
  // The router decodes %76 to v: /%761/… is /v1/…, so the key check must follow the route, not the raw URL.
  const spellings = (url: string) => [url, url.replace('/v1/', '/%761/'), url.replace('/v1/', '/v%31/'), url.replace('/v1/', '/%76%31/'), url.replace(/^\/v1\/(\w)/, (_m, c: string) => `/v1/%${c.charCodeAt(0).toString(16)}`)];
  for (const [name, req] of rows) {
    for (const url of new Set(spellings(req.url))) {
      for (const headers of [{}, { authorization: 'Bearer not-a-key' }]) {
        const r = await ctx.app.inject({ method: req.method, url, headers: { ...headers, 'idempotency-key': 'k-enc' }, ...(req.body ? { payload: req.body(0) as object } : {}) });
        t.equal(r.statusCode, 401, `${name} at ${url} ${'authorization' in headers ? 'with an unknown key' : 'without a key'}`);
        t.equal(r.json().code, 'UNAUTHORIZED');
      }
    }
  }
  const ops = await ctx.keyFor('ops');
  const listed = await ctx.app.inject({ method: 'GET', url: `/%761/settlements?hospital=${H.WZ2}`, headers: { authorization: `Bearer ${ops}` } });
  t.equal(listed.statusCode, 200, 'with a key the encoded path is the list route itself (so the 401s above came from the key check)');
  const cashier = await ctx.keyFor({ role: 'cashier', hospital: H.WZ3 });
  const other = await ctx.app.inject({ method: 'GET', url: `/%761/settlements/${S.id}`, headers: { authorization: `Bearer ${cashier}` } });
  t.equal(other.statusCode, 404, 'and another hospital’s settlement stays hidden there too');
});

t.test('a bill naming another hospital is 403 HOSPITAL_MISMATCH; an unknown hospital is 422', async (t) => {
  const r = await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: H.WZ3 }), as: { role: 'hospital', hospital: H.WZ2 } });
  t.equal(r.json().code, 'HOSPITAL_MISMATCH');
  t.same(r.json().details, { keyHospital: H.WZ2, billHospital: H.WZ3 });
  t.equal((await call('POST', '/v1/settlements/preview', { body: bill({ hospitalCode: 'NOPE' }), as: { role: 'hospital', hospital: H.WZ2 } })).json().code, 'UNKNOWN_HOSPITAL');
});

t.test('a hospital key lists only its own hospital by default', async (t) => {
  const items = (await call('GET', '/v1/settlements', { as: { role: 'cashier', hospital: H.WZ3 } })).json().items;
  t.same(items, []);
  // Listed once older transactions (the other test files' too) have ended: see helpers/list.ts.
  const own = await eventually(async () => (await call('GET', '/v1/settlements', { as: { role: 'cashier', hospital: H.WZ2 } })).json().items as Array<{ hospitalCode: string }>, (items) => items.length > 0);
  t.ok(own.length > 0 && own.every((i) => i.hospitalCode === H.WZ2));
});

t.test('keys: created by admins with a role and a hospital, shown once, stored hashed, revoked keys are 401', async (t) => {
  t.equal((await call('POST', '/v1/keys', { body: { label: 'x', role: 'hospital' } })).statusCode, 400, 'a hospital key names its hospital');
  t.equal((await call('POST', '/v1/keys', { body: { label: 'x', role: 'ops', hospitalCode: H.WZ2 } })).statusCode, 400, 'an ops key does not');
  const created = (await call('POST', '/v1/keys', { body: { label: 'his-1', role: 'hospital', hospitalCode: H.WZ3 } })).json();
  t.match(created.key, /^oss_[A-Za-z0-9_-]{32}$/);
  t.equal(created.prefix, created.key.slice(0, 8));
  const stored = await ctx.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
  t.not(stored.key_hash, created.key);
  t.notOk(JSON.stringify((await call('GET', '/v1/keys')).json()).includes(created.key), 'the list never shows a key');
  t.equal((await call('POST', `/v1/keys/${created.id}/revocation`)).statusCode, 200);
  t.equal((await call('POST', `/v1/keys/${created.id}/revocation`)).json().code, 'KEY_ALREADY_REVOKED');
  const r = await ctx.app.inject({ method: 'GET', url: '/v1/settlements', headers: { authorization: `Bearer ${created.key}` } });
  t.equal(r.statusCode, 401);
  for (const [, req] of rows) t.equal((await ctx.app.inject({ method: req.method, url: req.url })).statusCode, 401, `${req.method} ${req.url} without a key`);
});

t.test('a revocation may give its reason, which the audit log keeps; anything else in its body is refused and revokes nothing', async (t) => {
  const mint = async (label: string) => (await call('POST', '/v1/keys', { body: { label, role: 'cashier', hospitalCode: H.WZ2 } })).json() as { id: string; key: string };
  const auditOf = (id: string) => ctx.db.selectFrom('audit_log').select(['action', 'detail']).where('target_id', '=', id).where('action', '=', 'key.revoke').execute();
  const stolen = await mint('till 7');
  const withReason = await call('POST', `/v1/keys/${stolen.id}/revocation`, { body: { reason: 'till 7 stolen, 2026-06-15' } });
  t.equal(withReason.statusCode, 200);
  t.ok(withReason.json().revokedAt);
  t.same(await auditOf(stolen.id), [{ action: 'key.revoke', detail: { reason: 'till 7 stolen, 2026-06-15' } }], 'the reason is in the audit row');
  const audit = (await call('GET', `/v1/audit?targetType=api_key&targetId=${stolen.id}`)).json().items as Array<{ action: string; detail: unknown }>;
  t.same(audit.find((a) => a.action === 'key.revoke')?.detail, { reason: 'till 7 stolen, 2026-06-15' }, 'and in GET /v1/audit');

  const other = await mint('till 8');
  for (const body of [{ reason: '' }, { reason: 'x'.repeat(501) }, { why: 'typo' }, { reason: 7 }, []]) {
    const r = await call('POST', `/v1/keys/${other.id}/revocation`, { body });
    t.equal(r.statusCode, 400, JSON.stringify(body).slice(0, 40));
    t.equal(r.json().code, 'VALIDATION_FAILED');
  }
  const emptyJson = await call('POST', `/v1/keys/${other.id}/revocation`, { body: '', headers: { 'content-type': 'application/json' } });
  t.equal(emptyJson.json().code, 'MALFORMED_JSON', 'an empty body that says it is JSON is still refused');
  t.same(await auditOf(other.id), [], 'no refused revocation wrote anything');
  t.equal((await ctx.app.inject({ method: 'GET', url: '/v1/settlements', headers: { authorization: `Bearer ${other.key}` } })).statusCode, 200, 'and the key still works');
  const bare = await call('POST', `/v1/keys/${other.id}/revocation`);
  t.equal(bare.statusCode, 200, 'without a body it revokes, as before');
  t.same(await auditOf(other.id), [{ action: 'key.revoke', detail: {} }]);
});

t.test('the HIS look-up answers the masked name and identities valid today, and is logged as an access', async (t) => {
  const key = await ctx.keyFor({ role: 'hospital', hospital: H.WZ2 });
  // Wenzhou defers new identities to the next month: a tekun window from 2026-06-10 is not valid on 2026-06-15
  // (dibao from 2026-06-01, a first day, is).
  const imported = await call('POST', '/v1/identity-imports', { body: { batchId: 'lookup-1', source: 'civil_affairs', rows: [{ idCard: '330302198505051236', category: 'tekun', validFrom: '2026-06-10' }] } });
  t.equal(imported.statusCode, 201, imported.body);
  const r = await call('GET', '/v1/persons?idCard=330302198505051236', { as: { role: 'hospital', hospital: H.WZ2 } });
  t.same(r.json(), { items: [{ personId: 'P-M-5', name: '矩*', categories: [{ category: 'dibao', validFrom: '2026-06-01', validTo: null }] }] });
  const dibao = (await call('GET', '/v1/persons?idCard=330302198001011231', { as: 'ops' })).json();
  t.same(dibao, { items: [{ personId: P.DIBAO, name: '王*保', categories: [{ category: 'dibao', validFrom: '2020-01-01', validTo: null }] }] });
  t.notOk(r.body.includes('矩阵') || r.body.includes('330302198505051236'), 'no full name or ID-card number');
  const log = await ctx.db.selectFrom('audit_log as a').innerJoin('api_keys as k', 'k.id', 'a.key_id').select(['a.action', 'a.target_id', 'k.key_hash']).where('a.action', '=', 'person.lookup').orderBy('a.id', 'desc').executeTakeFirstOrThrow();
  t.equal(log.target_id, P.DIBAO, 'the last look-up, by the key that asked');
  t.ok(log.key_hash.length === 64 && key.length > 0);
  t.same((await call('GET', '/v1/persons?idCard=110101199003074514', { as: 'ops' })).json(), { items: [] });
});

t.test('settling and reversing write their audit rows with the key that did it', async (t) => {
  const own = await ctx.db.selectFrom('api_keys').select('id').where('label', '=', `test-hospital:${H.WZ2}`).executeTakeFirstOrThrow();
  const rows = await ctx.db.selectFrom('audit_log').select(['action', 'key_id', 'target_id']).where('target_type', '=', 'settlement').execute();
  t.match(rows.find((r) => r.target_id === S.id), { action: 'settlement.create', key_id: own.id });
  const reversal = rows.find((r) => r.action === 'settlement.reverse');
  t.equal(reversal?.key_id, own.id);
  t.equal(rows.filter((r) => r.action === 'settlement.create').length, (await ctx.db.selectFrom('settlements').select('id').where('kind', '=', 'settlement').execute()).length, 'one row per settlement');
});

t.test('a hospital key reads the ledger only of persons it has settled for; the refusal is a plain 404', async (t) => {
  const other = { role: 'hospital', hospital: H.WZ3 } as const;
  const unknown = await call('GET', '/v1/persons/P-NOBODY/ledger', { as: other });
  const hidden = await call('GET', `/v1/persons/${P.TEKUN}/ledger`, { as: other });
  t.equal(hidden.statusCode, 404);
  t.equal(hidden.json().code, unknown.json().code, 'an existing person looks like an unknown one');
  t.equal(unknown.json().code, 'PERSON_NOT_FOUND');
  t.equal((await call('GET', `/v1/persons/${P.TEKUN}/ledger`, { as: 'ops' })).statusCode, 200, 'ops reads every ledger');
  const s = await call('POST', '/v1/settlements', { body: bill({ hospitalCode: H.WZ3, personId: P.TEKUN }), key: 'k-ledger-wz3' });
  t.equal(s.statusCode, 201);
  t.equal((await call('GET', `/v1/persons/${P.TEKUN}/ledger?year=2026`, { as: other })).statusCode, 200, 'after settling for the person');
  t.equal((await call('POST', `/v1/settlements/${s.json().id}/reversal`, { body: { reason: 'test' } })).statusCode, 201);
  t.equal((await call('GET', `/v1/persons/${P.TEKUN}/ledger?year=2026`, { as: other })).statusCode, 200, 'a reversed settlement still makes the person its patient');
  t.equal((await call('GET', `/v1/persons/${P.TEKUN}/ledger`, { as: { role: 'hospital', hospital: H.WZ2 } })).statusCode, 404, 'but not another hospital’s');
});

t.test('roles a key may hold', async (t) => {
  t.same([...new Set(Object.values(ACCESS).flatMap((a) => a.roles))].sort(), (['admin', 'cashier', 'hospital', 'ops'] satisfies Role[]));
});
