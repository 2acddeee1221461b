import t, { type Test } from 'tap';
import { testApp } from '../helpers/app.js';
import { bill, H, P } from '../helpers/fixtures.js';

/*
 * Personal data never reaches the logs: the app writes its pino lines to a stream the
 * test holds, and no line may carry an ID-card number, a name or a phone number, whatever
 * the request (look-up by ID card, settlement, refusals, a server fault whose message
 * quotes an ID-card and a phone number: names cannot be recognised in free text, so
 * error messages of our own never hold one and PostgreSQL's row-quoting detail is dropped).
 */
const DIBAO_ID_CARD = '330302198001011231';
const DIBAO_NAME = '王低保';
const PHONE = '13912345678';

const lines: string[] = [];
let fail = false;
const ctx = await testApp(t, {
  config: { LOG_LEVEL: 'debug' },
  logStream: { write: (line: string) => void lines.push(line) },
  hooks: { afterSettlementInsert: () => { if (fail) throw new Error(`injected for ${DIBAO_ID_CARD} ${PHONE}`); } },
});
const hisKey = { role: 'hospital', hospital: H.WZ2 } as const;

const clean = (t: Test, what: string) => {
  const all = lines.join('');
  t.ok(lines.length > 0, `${what}: something was logged`);
  for (const secret of [DIBAO_ID_CARD, DIBAO_NAME, PHONE]) t.notOk(all.includes(secret), `${what}: ${secret} is not in any log line`);
};

t.test('the HIS look-up by ID-card number logs the path, never the number', async (t) => {
  lines.length = 0;
  const r = await ctx.call('GET', `/v1/persons?idCard=${DIBAO_ID_CARD}`, { as: hisKey });
  t.equal(r.statusCode, 200);
  t.ok(lines.some((l) => JSON.parse(l).req?.url === '/v1/persons'), 'the request is logged by its path');
  await ctx.call('GET', `/v1/persons?idCard=${DIBAO_ID_CARD}&phone=${PHONE}`, { as: hisKey });
  await ctx.call('GET', `/v1/nothing?idCard=${DIBAO_ID_CARD}`, { as: hisKey });
  clean(t, 'look-up');
});

t.test('a settlement (committed, replayed, refused, failed) logs no personal data', async (t) => {
  lines.length = 0;
  const b = bill({ personId: P.DIBAO });
  t.equal((await ctx.call('POST', '/v1/settlements', { body: b, key: 'k-log-1' })).statusCode, 201);
  t.equal((await ctx.call('POST', '/v1/settlements', { body: b, key: 'k-log-1' })).statusCode, 200);
  t.equal((await ctx.call('POST', '/v1/settlements', { body: { ...b, visitNo: DIBAO_ID_CARD }, key: 'k-log-1' })).statusCode, 409);
  t.equal((await ctx.call('POST', '/v1/settlements/preview', { body: { ...b, admissionDate: DIBAO_ID_CARD } })).statusCode, 400);
  fail = true;
  t.equal((await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-log-2' })).statusCode, 500, 'a fault whose message carries personal data');
  fail = false;
  t.ok(lines.some((l) => JSON.parse(l).msg === 'settlement committed'), 'the settlement is logged');
  clean(t, 'settlement');
});

t.test('registering a person logs neither the name nor the ID-card number', async (t) => {
  lines.length = 0;
  const r = await ctx.call('POST', '/v1/persons', { body: { id: 'P-LOG', name: DIBAO_NAME, idCard: '330302198505051236', insuredRegion: '330300', scheme: 'employee' } });
  t.equal(r.statusCode, 201);
  const again = await ctx.call('POST', '/v1/persons', { body: { id: 'P-LOG', name: DIBAO_NAME, idCard: DIBAO_ID_CARD, insuredRegion: '330300', scheme: 'employee' } });
  t.match(String(again.statusCode), /^4\d\d$/, 'refused');
  // PostgreSQL's detail quotes the failing row; an error carrying one is logged without it.
  ctx.app.log.error({ err: Object.assign(new Error('new row violates check constraint'), { code: '23514', detail: `Failing row contains (P-X, ${DIBAO_NAME}, ${DIBAO_ID_CARD}).` }) }, 'unhandled error');
  t.match(JSON.parse(lines.at(-1)!), { err: { code: '23514', message: 'new row violates check constraint' } });
  clean(t, 'person');
});

t.test('a number in the path or in X-Request-Id is not logged either', async (t) => {
  lines.length = 0;
  // A person id may be an ID-card number; a key or a visit in a path may hold a phone number.
  await ctx.call('GET', `/v1/persons/${DIBAO_ID_CARD}`);
  await ctx.call('GET', `/v1/persons/${PHONE}/ledger?year=2026`);
  await ctx.call('GET', `/v1/settlements/by-key/${DIBAO_ID_CARD}?hospital=${H.WZ2}`);
  await ctx.call('GET', `/${DIBAO_ID_CARD}`);
  const r = await ctx.call('GET', '/v1/settlements', { headers: { 'x-request-id': DIBAO_ID_CARD } });
  t.not(r.headers['x-request-id'], DIBAO_ID_CARD, 'a request id holding an ID-card number is replaced by our own');
  t.ok(lines.some((l) => /^\/v1\/persons\/330\*\*\*31$/.test(JSON.parse(l).req?.url ?? '')), 'the path is logged, its number masked');
  const plain = await ctx.call('GET', '/v1/settlements', { headers: { 'x-request-id': 'his-req-42' } });
  t.equal(plain.headers['x-request-id'], 'his-req-42', 'an ordinary request id is kept');
  clean(t, 'paths');
});

t.test('an internal refusal of ours (AppError INTERNAL) is a bare 500 with the request id, logged at error with its stack', async (t) => {
  const { AppError } = await import('../../src/http/errors.js');
  const app = (await testApp(t, { logStream: { write: (line: string) => void lines.push(line) } })).app;
  app.get('/internal-check', async () => {
    throw new AppError('INTERNAL', 'fund total: 7769.00 ≠ 7768.00');
  });
  lines.length = 0;
  const r = await app.inject({ method: 'GET', url: '/internal-check' });
  t.equal(r.statusCode, 500);
  t.same(r.json(), { code: 'INTERNAL', message: `internal error; quote request id ${r.headers['x-request-id']}`, details: { requestId: r.headers['x-request-id'] } });
  const logged = lines.map((l) => JSON.parse(l) as { level: number; err?: { message: string; stack: string } }).find((l) => l.err?.message.includes('7769.00'));
  t.equal(logged?.level, 50, 'at error');
  t.match(logged?.err?.stack, /AppError/, 'with its stack');
});
