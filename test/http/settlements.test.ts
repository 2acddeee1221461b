import t from 'tap';
import { testApp } from '../helpers/app.js';
import { bill, H, P } from '../helpers/fixtures.js';
import { allListed, eventually } from '../helpers/list.js';
import { assertEveryReplayIdentical } from '../helpers/replay.js';
import { answersRecord, assertRecordShape } from '../helpers/record-shape.js';

const ctx = await testApp(t);
const { call } = ctx;

t.test('preview computes the settlement, says it is non-binding and writes nothing', async (t) => {
  const r = await call('POST', '/v1/settlements/preview', { body: bill({ personId: P.DIBAO }) });
  t.equal(r.statusCode, 200);
  const body = r.json();
  t.equal(body.preview, true);
  t.equal(body.binding, false);
  t.equal(body.policyVersionId, 'wenzhou-2019');
  t.equal(body.settlement.split.total, '10000.00');
  t.equal(body.settlement.national.medfee_sumamt, '10000.00');
  const count = await ctx.db.selectFrom('settlements').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(count.n), 0);
  t.equal(await ctx.db.selectFrom('person_ledgers').selectAll().executeTakeFirst(), undefined);
});

t.test('settle answers 201 with the record; the same key and body replays it; GET and by-key find it', async (t) => {
  const req = bill({ personId: P.DIBAO, amount: 12_345.67 });
  const preview = (await call('POST', '/v1/settlements/preview', { body: req })).json();
  const r = await call('POST', '/v1/settlements', { body: req, key: 'k-settle-1' });
  t.equal(r.statusCode, 201);
  const rec = r.json();
  t.equal(r.headers.location, `/v1/settlements/${rec.id}`);
  t.match(rec, { kind: 'settlement', status: 'active', idempotencyKey: 'k-settle-1', hospitalCode: H.WZ2, personId: P.DIBAO, settlementDate: '2026-06-15', policyVersionId: 'wenzhou-2019' });
  t.equal(rec.total, '12345.67');
  t.same(rec.settlement.layers, preview.settlement.layers, 'preview and settle compute the same');
  t.equal(rec.replayed, undefined);
  // The settlement's text is the one its insert statement was given, spliced into the answer (src/json-text.ts):
  // the answer is still exactly what JSON.stringify of the record writes, each member once and in order.
  t.equal(r.body, JSON.stringify(rec));
  t.same(Object.keys(rec).slice(-2), ['settlement', 'reversal']);

  const again = await call('POST', '/v1/settlements', { body: req, key: 'k-settle-1' });
  t.equal(again.statusCode, 200);
  t.equal(again.json().id, rec.id);
  t.equal(again.json().replayed, true);

  const got = await call('GET', `/v1/settlements/${rec.id}`);
  t.equal(got.statusCode, 200);
  t.same({ ...got.json(), replayed: undefined }, { ...rec, replayed: undefined });
  const byKey = await call('GET', `/v1/settlements/by-key/k-settle-1?hospital=${H.WZ2}`);
  t.equal(byKey.json().id, rec.id);

  const ledger = await call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`);
  t.equal(ledger.statusCode, 200);
  t.same(ledger.json().ledger, rec.settlement.ledgerAfter);

  // Records go out through JSON.stringify; the helper that checks each one against the schema catches drift.
  t.ok(answersRecord('POST', '/v1/settlements') && answersRecord('GET', `/v1/settlements/${rec.id}`) && answersRecord('GET', '/v1/settlements/by-key/k'));
  t.ok(answersRecord('POST', `/v1/settlements/${rec.id}/reversal`));
  t.notOk(answersRecord('GET', '/v1/settlements') || answersRecord('POST', '/v1/settlements/preview') || answersRecord('POST', `/v1/settlements/${rec.id}/replay`));
  t.doesNotThrow(() => assertRecordShape(r.body));
  t.throws(() => assertRecordShape(JSON.stringify({ ...rec, internal: 'x' })), /does not match SettlementRecordSchema/, 'an extra member');
  t.throws(() => assertRecordShape(JSON.stringify({ ...rec, settlement: { ...rec.settlement, fundTotal: 1 } })), /does not match/, 'a number where the schema says string');
  const { createdAt: _dropped, ...missing } = rec;
  t.throws(() => assertRecordShape(JSON.stringify(missing)), /does not match/, 'a required member missing');
});

t.test('the same key with a different body is 409 naming what differs', async (t) => {
  const req = bill({ personId: P.ORD });
  t.equal((await call('POST', '/v1/settlements', { body: req, key: 'k-conflict' })).statusCode, 201);
  const changed = { ...req, lines: req.lines.map((l, i) => (i === 0 ? { ...l, unitPrice: '1.00', amount: '1.00' } : l)) };
  const r = await call('POST', '/v1/settlements', { body: changed, key: 'k-conflict' });
  t.equal(r.statusCode, 409);
  t.equal(r.json().code, 'IDEMPOTENCY_CONFLICT');
  t.same(r.json().details.differences.map((d: { path: string }) => d.path), ['/lines/0/amount', '/lines/0/unitPrice']);
});

t.test('a visit already settled is 409 until it is reversed; then it settles again', async (t) => {
  const req = bill({ personId: P.TEKUN });
  const first = await call('POST', '/v1/settlements', { body: req, key: 'k-visit-1' });
  t.equal(first.statusCode, 201);
  const dup = await call('POST', '/v1/settlements', { body: req, key: 'k-visit-2' });
  t.equal(dup.statusCode, 409);
  t.equal(dup.json().code, 'VISIT_ALREADY_SETTLED');
  t.equal(dup.json().details.settlementId, first.json().id);
  t.equal((await call('GET', `/v1/settlements/by-key/k-visit-2?hospital=${H.WZ2}`)).statusCode, 404, 'a refused request leaves no key behind');

  const rev = await call('POST', `/v1/settlements/${first.json().id}/reversal`, { body: { reason: '患者要求重新结算' } });
  t.equal(rev.statusCode, 201);
  const again = await call('POST', '/v1/settlements', { body: req, key: 'k-visit-2' });
  t.equal(again.statusCode, 201);
});

t.test('reversal: opposite amounts, ledger restored exactly, original unchanged but marked, twice is 409', async (t) => {
  const before = (await call('GET', `/v1/persons/${P.ORD}/ledger?year=2026`)).json().ledger;
  const s = (await call('POST', '/v1/settlements', { body: bill({ personId: P.ORD, amount: 55_000 }), key: 'k-rev-1' })).json();
  const rev = await call('POST', `/v1/settlements/${s.id}/reversal`, { body: { reason: '结算错误' } });
  t.equal(rev.statusCode, 201);
  const r = rev.json();
  t.match(r, { kind: 'reversal', status: 'reversal', reverses: s.id, reason: '结算错误', settlement: null });
  t.equal(r.total, `-${s.total}`);
  t.equal(r.fundTotal, `-${s.fundTotal}`);
  t.equal(r.patientShare, `-${s.patientShare}`);
  t.same(r.reversal.ledgerAfter, before, 'the ledger is back where it was');
  t.equal(rev.body, JSON.stringify(r), 'the reversal as JSON.stringify writes it');
  t.same((await call('GET', `/v1/settlements/${r.id}`)).json(), r, 'and as it was stored');
  t.same((await call('GET', `/v1/persons/${P.ORD}/ledger?year=2026`)).json().ledger, before);

  const orig = (await call('GET', `/v1/settlements/${s.id}`)).json();
  t.equal(orig.status, 'reversed');
  t.equal(orig.reversedBy, r.id);
  t.same(orig.settlement, s.settlement, 'the original amounts are untouched');

  const twice = await call('POST', `/v1/settlements/${s.id}/reversal`, { body: { reason: 'again' } });
  t.equal(twice.statusCode, 409);
  t.equal(twice.json().code, 'ALREADY_REVERSED');
  const ofReversal = await call('POST', `/v1/settlements/${r.id}/reversal`, { body: { reason: 'x' } });
  t.equal(ofReversal.json().code, 'NOT_REVERSIBLE');
  const missing = await call('POST', '/v1/settlements/00000000-0000-4000-8000-000000000000/reversal', { body: { reason: 'x' } });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'SETTLEMENT_NOT_FOUND');
  t.equal((await call('POST', `/v1/settlements/${s.id}/reversal`, { body: {} })).statusCode, 400, 'a reason is required');
});

t.test('only the settlement the ledger last took is reversible: later ones first, then re-settling gives the first figures again', async (t) => {
  const ledgerOf = async () => (await call('GET', `/v1/persons/${P.TEKUN}/ledger?year=2026`)).json().ledger;
  const start = await ledgerOf();
  const billA = bill({ personId: P.TEKUN, amount: 30_000, visitNo: 'V-ORDER-A' });
  const a = (await call('POST', '/v1/settlements', { body: billA, key: 'k-order-a' })).json();
  const b = (await call('POST', '/v1/settlements', { body: bill({ personId: P.TEKUN, amount: 20_000, visitNo: 'V-ORDER-B' }), key: 'k-order-b' })).json();
  const refused = await call('POST', `/v1/settlements/${a.id}/reversal`, { body: { reason: 'a 撤销' } });
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'NOT_LATEST_SETTLEMENT', details: { settlementId: a.id, personId: P.TEKUN, year: 2026, laterSettlements: 1 } });
  t.same(await ledgerOf(), b.settlement.ledgerAfter, 'nothing written');
  t.equal((await call('GET', `/v1/settlements/${a.id}`)).json().status, 'active');

  const revB = (await call('POST', `/v1/settlements/${b.id}/reversal`, { body: { reason: 'b 撤销' } })).json();
  t.same(revB.reversal.ledgerAfter, a.settlement.ledgerAfter, 'reversing the newest restores the ledger as a left it');
  const revA = (await call('POST', `/v1/settlements/${a.id}/reversal`, { body: { reason: 'a 撤销' } }));
  t.equal(revA.statusCode, 201, 'then a is the newest');
  t.same(await ledgerOf(), start, 'both gone: the ledger is as before either');
  const again = (await call('POST', '/v1/settlements', { body: billA, key: 'k-order-a2' })).json();
  t.same(
    { fundTotal: again.settlement.fundTotal, patientShare: again.settlement.patientShare, layers: again.settlement.layers, ledgerAfter: again.settlement.ledgerAfter },
    { fundTotal: a.settlement.fundTotal, patientShare: a.settlement.patientShare, layers: a.settlement.layers, ledgerAfter: a.settlement.ledgerAfter },
    'settled again, the visit gets exactly its first figures',
  );
});

t.test('replay recomputes identically; what-if under another version writes nothing', async (t) => {
  const s = (await call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, amount: 40_000 }), key: 'k-replay' })).json();
  const r = await call('POST', `/v1/settlements/${s.id}/replay`, { body: {} });
  t.equal(r.statusCode, 200);
  t.match(r.json(), { identical: true, whatIf: false, differences: [], policyVersionId: 'wenzhou-2019' });
  const ledgerBefore = (await call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json();
  const w = await call('POST', `/v1/settlements/${s.id}/replay`, { body: { policyVersionId: 'national-2020' } });
  t.equal(w.statusCode, 200, JSON.stringify(w.json()).slice(0, 400));
  t.equal(w.json().whatIf, true);
  t.equal(w.json().identical, false);
  t.ok(w.json().differences.some((d: { path: string }) => d.path.startsWith('/policy')));
  t.same((await call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json(), ledgerBefore, 'what-if writes nothing');
  t.equal((await call('POST', `/v1/settlements/${s.id}/replay`, { body: { policyVersionId: 'nope' } })).json().code, 'POLICY_VERSION_NOT_FOUND');
  t.equal((await call('POST', '/v1/settlements/00000000-0000-4000-8000-000000000000/replay', { body: {} })).statusCode, 404);
  // A plain replay needs no body at all (curl -X POST …/replay); one sent must still be a JSON object.
  const bare = await call('POST', `/v1/settlements/${s.id}/replay`);
  t.equal(bare.statusCode, 200, bare.body.slice(0, 300));
  t.same(bare.json(), r.json(), 'without a body: the same answer as with {}');
  const emptyJson = await call('POST', `/v1/settlements/${s.id}/replay`, { headers: { 'content-type': 'application/json' } });
  t.match([emptyJson.statusCode, emptyJson.json().code], [400, 'MALFORMED_JSON'], 'an empty body that says it is JSON is still refused');
  const nullBody = await call('POST', `/v1/settlements/${s.id}/replay`, { body: 'null', headers: { 'content-type': 'application/json' } });
  t.match([nullBody.statusCode, nullBody.json().code], [400, 'VALIDATION_FAILED'], 'a JSON null is not a replay request');
});

t.test('list: filters by hospital, person and dates, pages with a cursor', async (t) => {
  for (let i = 0; i < 5; i++) {
    t.equal((await call('POST', '/v1/settlements', { body: bill({ hospitalCode: H.WZ3, personId: P.ORD, amount: 1000 + i }), key: `k-list-${i}` })).statusCode, 201);
  }
  // Listed once older transactions (the other test files' too) have ended: see helpers/list.ts.
  t.equal((await eventually(() => allListed((url) => call('GET', url), `hospital=${H.WZ3}`, 100), (ids) => ids.length === 5)).length, 5, 'all five listed');
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/v1/settlements?hospital=${H.WZ3}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await call('GET', q);
    t.equal(page.statusCode, 200);
    const body = page.json();
    t.ok(body.items.length <= 2);
    seen.push(...body.items.map((i: { id: string; hospitalCode: string }) => (t.equal(i.hospitalCode, H.WZ3), i.id)));
    cursor = body.nextCursor;
  } while (cursor);
  t.equal(seen.length, 5);
  t.equal(new Set(seen).size, 5, 'no duplicates across pages');
  const totals = (await call('GET', `/v1/settlements?hospital=${H.WZ3}`)).json().items.map((i: { total: string }) => i.total);
  t.same(totals, ['1004.00', '1003.00', '1002.00', '1001.00', '1000.00'], 'newest first');
  t.equal((await call('GET', `/v1/settlements?person=${P.ORD}&from=2026-06-15&to=2026-06-15`)).json().items.length > 0, true);
  t.same((await call('GET', '/v1/settlements?from=2027-01-01')).json().items, []);
  t.equal((await call('GET', '/v1/settlements?cursor=garbage')).json().code, 'INVALID_CURSOR');
  t.equal((await call('GET', '/v1/settlements?from=2026-02-01&to=2026-01-01')).statusCode, 400);
  t.equal((await call('GET', '/v1/settlements?limit=1000')).statusCode, 400);
});

t.test('ledger: zeros for a year without settlements, 404 for an unknown person', async (t) => {
  const r = await call('GET', `/v1/persons/${P.ORD}/ledger?year=2024`);
  t.equal(r.statusCode, 200);
  t.match(r.json(), { personId: P.ORD, year: 2024, exists: false, ledger: { basicPaid: '0.00', inpatientAdmissions: 0 } });
  t.equal((await call('GET', `/v1/persons/${P.ORD}/ledger`)).json().year, 2026, 'defaults to the clock year');
  const u = await call('GET', '/v1/persons/NOBODY/ledger');
  t.equal(u.statusCode, 404);
  t.equal(u.json().code, 'PERSON_NOT_FOUND');
});

t.test('every settlement made in this file replays identically', async (t) => {
  t.ok((await assertEveryReplayIdentical(t, ctx)) > 5);
});
