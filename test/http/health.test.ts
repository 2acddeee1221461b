import t from 'tap';
import { testApp } from '../helpers/app.js';

t.test('healthz answers ok without a key and readyz sees the migrated database', async (t) => {
  const { app } = await testApp(t);
  const h = await app.inject({ method: 'GET', url: '/healthz' });
  t.equal(h.statusCode, 200);
  t.same(h.json(), { status: 'ok' });
  const r = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(r.statusCode, 200);
  t.same(r.json(), { status: 'ready', database: true, pendingMigrations: [] });
  t.match(r.headers['x-request-id'], /.+/);
});

t.test('readyz answers 503 when the database is unreachable', async (t) => {
  const { app, db } = await testApp(t);
  await db.destroy();
  const r = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(r.statusCode, 503);
  t.equal(r.json().database, false);
});

t.test('a caller-supplied X-Request-Id is echoed back', async (t) => {
  const { app } = await testApp(t);
  const r = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'his-42' } });
  t.equal(r.headers['x-request-id'], 'his-42');
});
