import t from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import { Decimal } from 'decimal.js';
import { testApp } from '../helpers/app.js';
import { bill, H, P } from '../helpers/fixtures.js';

/*
 * "Never 5xx for a client's mistake; nothing half-written", checked over generated
 * requests rather than hand-picked ones: a valid bill bent by a few random mutations
 * (fields replaced by odd JSON values, dropped or added, decimals and dates that only
 * look right, lines emptied or multiplied, odd Idempotency-Keys, raw bodies that are not
 * JSON). Every answer must be below 500 and, when refused, carry {code, message, details};
 * every settlement that is accepted must balance to the cent; registry and admin writes
 * (hospitals, changes, persons, identity imports, policy packs, keys) get the same
 * treatment with mutations anywhere in their bodies; and at the end the
 * database must hold exactly the accepted settlements and nothing a refusal could have
 * left behind (claims, ledger rows, audit rows).
 */

const ctx = await testApp(t);
const { app, call } = ctx;

const oddString = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'null', '0', '-1', '1e3', 'NaN', 'Infinity', '１２３', '2026-02-30', '2026-06-10T00:00:00Z', '💊', "'; DROP TABLE settlements; --", '\\', '%s%n'),
  // Names Object.prototype answers to: a lookup keyed by a client's string must not find them.
  fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'),
  fc.constantFrom('\ud800', 'a\udc00b', '\udfff\ud800', '😷', '\u202e', '\u001b[2J'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 200, maxLength: 400 }),
);
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.constantFrom(null, true, false, 0, -0, 1, -1, 1e21, 0.1, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1),
  fc.constantFrom([], {}, [1], { a: 1 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const oddDecimal = fc.oneof(
  fc.constantFrom('0', '0.00', '-0', '-0.01', '0.001', '1.005', '00012.30', '+1', ' 1', '1 ', '1,00', '.5', '5.', '1e2', '99999999999999.99', '999999999999999999999', '1'.repeat(40)),
  fc.integer({ min: -1_000_000, max: 100_000_000 }).map((c) => new Decimal(c).div(100).toFixed(2)),
  oddValue,
);
const oddDate = fc.oneof(
  fc.constantFrom('2026-02-29', '2024-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '0000-01-01', '9999-12-31', '1969-12-31', '2026-6-1', '20260601', '2026-06-01 ', '2026-06-01T00:00'),
  fc.date({ min: new Date('1990-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  oddValue,
);

type Body = Record<string, unknown>;

const TOP = ['hospitalCode', 'personId', 'visitNo', 'visitType', 'admissionDate', 'dischargeDate', 'referral', 'lines'] as const;
const LINE = ['itemCode', 'name', 'kind', 'catalogClass', 'quantity', 'unitPrice', 'amount'] as const;

/** Mutations are data (so a counterexample reads as what was done to the bill). */
type Mutation =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'drop'; key: string }
  | { op: 'setLine'; line: number; key: string; value: unknown }
  | { op: 'dropLine'; line: number; key: string }
  | { op: 'lines'; count: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...TOP), value: oddValue }),
  fc.record({ op: fc.constant('drop' as const), key: fc.constantFrom(...TOP) }),
  fc.record({ op: fc.constant('set' as const), key: oddString.map((k) => k || 'x'), value: oddValue }),
  fc.record({ op: fc.constant('set' as const), key: fc.constantFrom('admissionDate', 'dischargeDate'), value: oddDate }),
  fc.record({ op: fc.constant('set' as const), key: fc.constant('hospitalCode'), value: fc.constantFrom(...Object.values(H), 'NOPE', 'wz-h2') }),
  fc.record({ op: fc.constant('set' as const), key: fc.constant('personId'), value: fc.constantFrom(...Object.values(P), 'NOBODY', 'P ORD') }),
  fc.record({ op: fc.constant('setLine' as const), line: fc.nat(), key: fc.constantFrom(...LINE), value: oddValue }),
  fc.record({ op: fc.constant('setLine' as const), line: fc.nat(), key: fc.constantFrom('quantity', 'unitPrice', 'amount'), value: oddDecimal }),
  fc.record({ op: fc.constant('dropLine' as const), line: fc.nat(), key: fc.constantFrom(...LINE) }),
  fc.record({ op: fc.constant('lines' as const), count: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(200, 10_000, 10_001)) }),
);

/** The i-th line (modulo their number) when `lines` is still an array of objects. */
function lineOf(b: Body, i: number): Record<string, unknown> | undefined {
  const lines = b.lines;
  if (!Array.isArray(lines) || lines.length === 0) return undefined;
  const line: unknown = lines[i % lines.length];
  return typeof line === 'object' && line !== null && !Array.isArray(line) ? (line as Record<string, unknown>) : undefined;
}

function apply(b: Body, m: Mutation): Body {
  switch (m.op) {
    case 'set':
      return { ...b, [m.key]: m.value };
    case 'drop': {
      const { [m.key]: _gone, ...rest } = b;
      return rest;
    }
    case 'setLine': {
      const line = lineOf(b, m.line);
      if (line) line[m.key] = m.value;
      return b;
    }
    case 'dropLine': {
      const line = lineOf(b, m.line);
      if (line) delete line[m.key];
      return b;
    }
    case 'lines': {
      const first = lineOf(b, 0);
      return { ...b, lines: first ? Array.from({ length: m.count }, (_, i) => ({ ...first, itemCode: `L${i}` })) : [] };
    }
  }
}

const request = fc.record({
  amount: fc.integer({ min: 1, max: 2_000_000 }),
  person: fc.constantFrom(P.ORD, P.DIBAO, P.TEKUN),
  mutations: fc.array(mutation, { maxLength: 3 }),
  key: fc.oneof(fc.constant(undefined), fc.uuid(), oddString.filter((s) => !/[\r\n\0]/.test(s) && /^[\x20-\x7e]*$/.test(s))),
  settle: fc.boolean(),
});

let accepted = 0;
const codes = new Map<string, number>();

t.test('generated settle and preview requests: never 5xx, refusals well-formed, acceptances balanced', async (t) => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      let body: Body = structuredClone(bill({ personId: r.person, amount: r.amount, visitNo: `F-${n++}` })) as unknown as Body;
      for (const m of r.mutations) body = apply(body, m);
      const res = r.settle
        ? await app.inject({ method: 'POST', url: '/v1/settlements', headers: { authorization: `Bearer ${ctx.apiKey}`, ...(r.key !== undefined ? { 'idempotency-key': r.key } : {}) }, payload: body })
        : await app.inject({ method: 'POST', url: '/v1/settlements/preview', headers: { authorization: `Bearer ${ctx.apiKey}` }, payload: body });
      const json = res.json();
      if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${JSON.stringify(body).slice(0, 500)}: ${res.body.slice(0, 300)}`);
      codes.set(`${res.statusCode} ${json.code ?? ''}`, (codes.get(`${res.statusCode} ${json.code ?? ''}`) ?? 0) + 1);
      if (res.statusCode >= 400) {
        if (typeof json.code !== 'string' || !/^[A-Z][A-Z_]+$/.test(json.code) || typeof json.message !== 'string' || typeof json.details !== 'object' || json.details === null) {
          throw new Error(`refusal without {code, message, details}: ${res.body.slice(0, 300)}`);
        }
        return;
      }
      const s = json.settlement;
      const funds = (s.layers as { paid: string }[]).reduce((sum, l) => sum.plus(l.paid), new Decimal(0));
      if (!funds.equals(s.fundTotal) || !new Decimal(s.fundTotal).plus(s.patientShare).equals(s.split.total)) {
        throw new Error(`unbalanced settlement: ${JSON.stringify({ total: s.split.total, fundTotal: s.fundTotal, patientShare: s.patientShare, funds: funds.toFixed(2) })}`);
      }
      if (r.settle && res.statusCode === 201) accepted++;
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 250), seed: Number(process.env.FUZZ_SEED ?? 20261202), endOnFailure: true },
  );
  t.comment([...codes].sort().map(([k, v]) => `${k}: ${v}`).join(', '));
  t.pass('every generated request was answered as a client mistake or a balanced settlement');
  t.ok(accepted > 10, `some generated requests were valid and settled (${accepted}), so acceptances were checked too`);
});

t.test('raw bodies that are not a JSON bill are 4xx', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '[]', 'null', '"x"', '{"lines":', '\u0000', '{"a":1}'.repeat(3), '{"hospitalCode":"WZ-H2"}')),
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'),
      fc.constantFrom('/v1/settlements', '/v1/settlements/preview'),
      async (payload, type, url) => {
        const res = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': type, 'idempotency-key': 'raw' }, payload });
        if (res.statusCode < 400 || res.statusCode >= 500) throw new Error(`${res.statusCode} for ${type} ${JSON.stringify(payload)}: ${res.body.slice(0, 200)}`);
        if (typeof res.json().code !== 'string') throw new Error(`no code: ${res.body.slice(0, 200)}`);
      },
    ),
    { numRuns: 120, seed: 7, endOnFailure: true },
  );
  t.pass('all refused as client mistakes');
});

t.test('generated query strings on the read endpoints are never 5xx', async (t) => {
  const settled = await ctx.db.selectFrom('settlements').select('id').limit(1).executeTakeFirst();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/v1/settlements', `/v1/persons/${P.DIBAO}/ledger`, '/v1/persons/NOBODY/ledger', `/v1/settlements/${settled?.id ?? '00000000-0000-0000-0000-000000000000'}`, '/v1/settlements/by-key/x'),
      fc.dictionary(fc.constantFrom('hospital', 'person', 'from', 'to', 'cursor', 'limit', 'year', 'x'), fc.oneof(oddString, oddDate.map(String), fc.integer().map(String)), { maxKeys: 4 }),
      async (path, query) => {
        const qs = new URLSearchParams(query as Record<string, string>).toString();
        const res = await call('GET', qs ? `${path}?${qs}` : path, { as: 'ops' });
        if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${path}?${qs}: ${res.body.slice(0, 300)}`);
        if (res.statusCode >= 400 && typeof res.json().code !== 'string') throw new Error(`no code: ${res.body.slice(0, 200)}`);
      },
    ),
    { numRuns: 150, seed: 11, endOnFailure: true },
  );
  t.pass('all answered');
});

let reversed = 0;

t.test('generated reversal and replay bodies: never 5xx; a reversal happens at most once per settlement', async (t) => {
  const ids = (await ctx.db.selectFrom('settlements').select('id').where('kind', '=', 'settlement').orderBy('created_at').limit(8).execute()).map((r) => r.id);
  t.ok(ids.length > 0, 'there are settlements to reverse and replay');
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ids, '00000000-0000-0000-0000-000000000000', 'not-a-uuid'),
      fc.constantFrom('reversal', 'replay'),
      fc.oneof(
        fc.record({ reason: oddValue }),
        fc.record({ reason: fc.string({ minLength: 1, maxLength: 20 }) }),
        fc.record({ policyVersionId: oddValue }),
        fc.record({ policyVersionId: fc.constantFrom('wenzhou-2019', 'qiannan-2021', 'national-2020', 'nope') }),
        fc.dictionary(oddString, oddValue, { maxKeys: 2 }),
        fc.constant(undefined),
      ),
      async (id, action, body) => {
        const res = await call('POST', `/v1/settlements/${id}/${action}`, { ...(body !== undefined ? { body } : {}), ...(action === 'replay' ? { as: 'ops' as const } : {}) });
        if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${action} ${JSON.stringify(body)}: ${res.body.slice(0, 300)}`);
        if (res.statusCode >= 400 && typeof res.json().code !== 'string') throw new Error(`no code: ${res.body.slice(0, 200)}`);
        if (action === 'reversal' && res.statusCode === 201) reversed++;
      },
    ),
    { numRuns: 150, seed: 13, endOnFailure: true },
  );
  t.ok(reversed <= ids.length, `at most one reversal per settlement (${reversed} of ${ids.length})`);
});

/** A change anywhere in a JSON document: follow `path` (each step picks a key or element modulo their number), then set or drop there. */
interface DeepMutation {
  path: number[];
  op: 'set' | 'drop';
  value: unknown;
}
const deepMutation: fc.Arbitrary<DeepMutation> = fc.record({ path: fc.array(fc.nat(), { maxLength: 5 }), op: fc.constantFrom('set' as const, 'drop' as const), value: fc.oneof(oddValue, oddDecimal, oddDate) });

function applyDeep(doc: unknown, m: DeepMutation): unknown {
  const root = structuredClone(doc);
  let node: unknown = root;
  for (let depth = 0; ; depth++) {
    if (typeof node !== 'object' || node === null) return root;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) return root;
    const key = keys[(m.path[depth] ?? 0) % keys.length]!;
    const child = (node as Record<string | number, unknown>)[key];
    if (depth + 1 >= m.path.length || typeof child !== 'object' || child === null) {
      if (m.op === 'set') (node as Record<string | number, unknown>)[key] = m.value;
      else if (Array.isArray(node)) node.splice(key as number, 1);
      else delete (node as Record<string, unknown>)[key as string];
      return root;
    }
    node = child;
  }
}

t.test('generated registry and admin writes: never 5xx, refusals well-formed', async (t) => {
  const pack = (await call('GET', '/v1/policies/wenzhou-2019', { as: 'admin' })).json().pack;
  // A later date for every run (changes and identity windows only append to their history).
  const day = (i: number) => new Date(Date.UTC(2030, 0, 1 + i)).toISOString().slice(0, 10);
  const IMPORTED = '33030219750101007X'; // a valid GB 11643 number held by one person only
  t.equal((await call('POST', '/v1/persons', { as: 'admin', body: { id: 'P-FZ-IMPORT', name: '导入', idCard: IMPORTED, insuredRegion: '330300', scheme: 'urban_rural_resident' } })).statusCode, 201);
  let n = 0;
  const writes: Array<{ url: (i: number) => string; body: (i: number) => unknown }> = [
    { url: () => '/v1/hospitals', body: (i) => ({ code: `FZ-${i}`, name: '模糊医院', level: 2, regionCode: '330300', designatedFrom: '2020-01-01' }) },
    { url: () => `/v1/hospitals/${H.WZ3}/changes`, body: (i) => ({ effectiveFrom: day(i), level: 3 }) },
    { url: () => '/v1/persons', body: (i) => ({ id: `P-FZ-${i}`, name: '模糊', idCard: '330302198505051236', insuredRegion: '330300', scheme: 'employee' }) },
    { url: () => '/v1/identity-imports', body: (i) => ({ batchId: `fz-${i}`, source: 'civil_affairs', rows: [{ idCard: IMPORTED, category: 'dibao', validFrom: day(i), validTo: null }] }) },
    { url: () => '/v1/policies', body: (i) => ({ ...pack, id: `wenzhou-fz-${i}`, version: `fz-${i}`, effectiveFrom: '2090-01-01', effectiveTo: null }) },
    { url: () => '/v1/keys', body: (i) => ({ label: `fz-${i}`, role: 'cashier', hospitalCode: H.WZ2 }) },
  ];
  const codes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: writes.length - 1 }), fc.array(deepMutation, { maxLength: 3 }), async (w, mutations) => {
      const i = n++;
      let body = writes[w]!.body(i);
      for (const m of mutations) body = applyDeep(body, m);
      const url = writes[w]!.url(i);
      const res = await call('POST', url, { as: 'admin', body: body as object });
      codes.set(`${url.split('/')[2]} ${res.statusCode}`, (codes.get(`${url.split('/')[2]} ${res.statusCode}`) ?? 0) + 1);
      if (res.statusCode >= 500) throw new Error(`${res.statusCode} for POST ${url} ${JSON.stringify(body).slice(0, 400)}: ${res.body.slice(0, 300)}`);
      if (res.statusCode >= 400 && (typeof res.json().code !== 'string' || typeof res.json().message !== 'string')) throw new Error(`refusal without {code, message}: ${res.body.slice(0, 300)}`);
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 250), seed: Number(process.env.FUZZ_SEED ?? 20261202) + 1, endOnFailure: true },
  );
  t.comment([...codes].sort().map(([k, v]) => `${k}: ${v}`).join(', '));
  t.ok([...codes.keys()].some((k) => / 20[01]$/.test(k)), 'some generated writes were valid and accepted');
});

t.test('refusals left nothing behind: the database holds exactly the accepted settlements', async (t) => {
  const counts = await sql<{ settlements: string; reversals: string; keys: string; inputs: string; audit: string; orphan_ledgers: string }>`
    SELECT (SELECT count(*) FROM settlements WHERE kind = 'settlement') AS settlements,
           (SELECT count(*) FROM settlements WHERE kind = 'reversal') AS reversals,
           (SELECT count(*) FROM idempotency_keys) AS keys,
           (SELECT count(*) FROM settlement_inputs) AS inputs,
           (SELECT count(*) FROM audit_log WHERE action = 'settlement.create') AS audit,
           (SELECT count(*) FROM person_ledgers l WHERE NOT EXISTS (
              SELECT FROM settlements s WHERE s.person_id = l.person_id AND s.policy_year = l.year)) AS orphan_ledgers`.execute(ctx.db);
  const c = counts.rows[0]!;
  t.equal(Number(c.settlements), accepted, 'one settlement per 201');
  t.equal(Number(c.reversals), reversed, 'one reversal row per 201 reversal');
  t.equal(Number(c.keys), accepted, 'one idempotency record per settlement: no claim of a refused request survived');
  t.equal(Number(c.inputs), accepted, 'one input snapshot per settlement');
  t.equal(Number(c.audit), accepted, 'one audit row per settlement');
  t.equal(Number(c.orphan_ledgers), 0, 'no ledger row was created by a refused request');
});
