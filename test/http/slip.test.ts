import t from 'tap';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { mintApiKey } from '../../src/services/api-keys.js';
import { textWidth } from '../../src/slip/width.js';
import { negotiate } from '../../src/http/routes/slip.js';
import { testApp } from '../helpers/app.js';
import { bill, H, P } from '../helpers/fixtures.js';

const ctx = await testApp(t);
const { call } = ctx;

const created = await call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, amount: 23_456.78 }), key: 'k-slip-1' });
const rec = created.json();
const w = rec.settlement;
const amounts: string[] = [w.split.total, w.split.fullySelfPaid, w.split.overLimit, w.split.preSelfPay, w.split.inScope, ...w.layers.map((l: { paid: string }) => l.paid), w.fundTotal, w.patientShare];

async function pdfText(buf: Buffer): Promise<string> {
  const doc = await getDocument({ data: new Uint8Array(buf), isEvalSupported: false }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) text += (await (await doc.getPage(i)).getTextContent()).items.map((it) => ('str' in it ? it.str : '')).join('');
  await doc.destroy();
  return text;
}

t.test('HTML by default and for Accept: text/html, with the record’s amounts and masked identity', async (t) => {
  t.equal(created.statusCode, 201);
  for (const accept of [undefined, 'text/html', 'text/html,application/xhtml+xml,*/*;q=0.8']) {
    const r = await call('GET', `/v1/settlements/${rec.id}/slip`, accept ? { headers: { accept } } : {});
    t.equal(r.statusCode, 200, String(accept));
    t.match(r.headers['content-type'], /^text\/html; charset=utf-8/);
    t.equal(r.headers.vary, 'accept');
    for (const a of amounts) t.ok(r.body.includes(a), `html shows ${a}`);
    t.match(r.body, '王*保');
    t.match(r.body, '330302********1231');
    t.notMatch(r.body, '王低保');
    t.match(r.body, '温州二级医院');
  }
});

t.test('PDF for Accept: application/pdf, parsed back with the same amounts', async (t) => {
  const r = await call('GET', `/v1/settlements/${rec.id}/slip`, { headers: { accept: 'application/pdf' } });
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-type'], 'application/pdf');
  const text = await pdfText(r.rawPayload);
  for (const a of amounts) t.ok(text.includes(a), `pdf shows ${a}`);
  t.ok(text.includes('王*保'));
});

t.test('text at 48 and 80 columns; ?format overrides Accept', async (t) => {
  for (const [url, width] of [[`/v1/settlements/${rec.id}/slip`, 48], [`/v1/settlements/${rec.id}/slip?width=80`, 80]] as const) {
    const r = await call('GET', url, { headers: { accept: 'text/plain' } });
    t.equal(r.statusCode, 200);
    t.match(r.headers['content-type'], /^text\/plain; charset=utf-8/);
    const lines = r.body.split('\n');
    t.ok(lines.every((l) => textWidth(l) <= width), `no line over ${width}`);
    t.ok(lines.some((l) => textWidth(l) === width), `rules span ${width}`);
    for (const a of amounts) t.ok(r.body.includes(a), `text shows ${a}`);
  }
  const forced = await call('GET', `/v1/settlements/${rec.id}/slip?format=text`, { headers: { accept: 'text/html' } });
  t.match(forced.headers['content-type'], /^text\/plain/);
});

t.test('unacceptable formats, bad widths and unknown ids are refused', async (t) => {
  const r406 = await call('GET', `/v1/settlements/${rec.id}/slip`, { headers: { accept: 'image/png' } });
  t.equal(r406.statusCode, 406);
  t.equal(r406.json().code, 'NOT_ACCEPTABLE');
  t.equal((await call('GET', `/v1/settlements/${rec.id}/slip?width=50`)).statusCode, 400);
  // 48 and 80 written any other way than in digits are refused too, not read as those widths.
  for (const w of ['0x30', '4.8e1', '+80', '80.0']) {
    const r = await call('GET', `/v1/settlements/${rec.id}/slip?format=text&width=${w}`);
    t.match([r.statusCode, r.json().code, r.json().details.errors[0].path], [400, 'VALIDATION_FAILED', '/querystring/width'], `width=${w}`);
  }
  const missing = await call('GET', '/v1/settlements/00000000-0000-4000-8000-000000000000/slip');
  t.equal(missing.statusCode, 404);
  const anonymous = await ctx.app.inject({ method: 'GET', url: `/v1/settlements/${rec.id}/slip` });
  t.equal(anonymous.statusCode, 401);
});

t.test('keys bound to a hospital read only that hospital’s slips', async (t) => {
  const hospitals = await ctx.db.selectFrom('hospitals').select(['id', 'code']).execute();
  const own = hospitals.find((h) => h.code === H.WZ2)!;
  const other = hospitals.find((h) => h.code === H.WZ3)!;
  for (const [hospital, status] of [[own, 200], [other, 404]] as const) {
    const { key } = await mintApiKey(ctx.db, { label: `cashier-${hospital.code}`, role: 'cashier', hospitalId: hospital.id });
    const r = await ctx.app.inject({ method: 'GET', url: `/v1/settlements/${rec.id}/slip`, headers: { authorization: `Bearer ${key}`, accept: 'text/plain' } });
    t.equal(r.statusCode, status, `cashier of ${hospital.code}`);
  }
});

t.test('a reversed settlement prints 已撤销 with the reversal id; the reversal itself has no slip', async (t) => {
  const other = (await call('POST', '/v1/settlements', { body: bill({ personId: P.ORD }), key: 'k-slip-2' })).json();
  const reversal = await call('POST', `/v1/settlements/${other.id}/reversal`, { body: { reason: '患者要求重新结算' } });
  t.equal(reversal.statusCode, 201);
  const revId = reversal.json().id;
  for (const accept of ['text/plain', 'text/html']) {
    const r = await call('GET', `/v1/settlements/${other.id}/slip`, { headers: { accept } });
    t.equal(r.statusCode, 200);
    t.match(r.body, '已撤销');
    t.match(r.body, revId);
  }
  const pdf = await call('GET', `/v1/settlements/${other.id}/slip?format=pdf`);
  t.ok((await pdfText(pdf.rawPayload)).includes('已撤销'));
  const ofReversal = await call('GET', `/v1/settlements/${revId}/slip`);
  t.equal(ofReversal.statusCode, 400);
  t.equal(ofReversal.json().details.reverses, other.id);
});

t.test('the slip names the hospital as it was on the discharge date, not as a later scheduled change will', async (t) => {
  const s = (await call('POST', '/v1/settlements', { body: bill({ hospitalCode: H.WZ3, personId: P.ORD }), key: 'k-slip-name' })).json();
  const changed = await call('POST', `/v1/hospitals/${H.WZ3}/changes`, { body: { effectiveFrom: '2030-01-01', name: '温州新院区医院' } });
  t.equal(changed.statusCode, 201, 'a name change is scheduled for 2030');
  const text = (await call('GET', `/v1/settlements/${s.id}/slip?format=text&width=80`)).body;
  t.match(text, '温州三级医院', 'the name of 2026');
  t.notMatch(text, '温州新院区医院', 'not the name from 2030');
  const html = (await call('GET', `/v1/settlements/${s.id}/slip`, { headers: { accept: 'text/html' } })).body;
  t.match(html, '温州三级医院');
});

t.test('Accept: the most specific range decides each format (text/html;q=0 refuses HTML beside */*)', async (t) => {
  t.equal(negotiate('text/html;q=0, */*;q=0.1'), 'pdf');
  t.equal(negotiate('text/*;q=0.5, text/html;q=0, application/pdf;q=0.4'), 'text');
  t.equal(negotiate('*/*'), 'html');
  t.equal(negotiate('text/html;q=0, application/pdf;q=0, text/plain;q=0, */*'), null);
  const r = await call('GET', `/v1/settlements/${rec.id}/slip`, { headers: { accept: 'text/html;q=0, */*;q=0.1' } });
  t.match(r.headers['content-type'], /^application\/pdf/);
});
