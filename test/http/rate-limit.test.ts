import t from 'tap';
import { testApp } from '../helpers/app.js';
import { H } from '../helpers/fixtures.js';

/** The limit is per API key: one busy key gets 429 with Retry-After, another key is unaffected. */
const ctx = await testApp(t, { config: { RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW_SECONDS: 60 } });

t.test('the fourth request of a key in the window is 429 RATE_LIMITED with Retry-After', async (t) => {
  const as = { role: 'cashier' as const, hospital: H.WZ2 };
  for (let i = 0; i < 3; i++) t.equal((await ctx.call('GET', '/v1/settlements', { as })).statusCode, 200, `request ${i + 1}`);
  const r = await ctx.call('GET', '/v1/settlements', { as });
  t.equal(r.statusCode, 429);
  t.equal(r.json().code, 'RATE_LIMITED');
  t.ok(Number(r.headers['retry-after']) > 0 && Number(r.headers['retry-after']) <= 60, `Retry-After: ${r.headers['retry-after']}`);
  t.equal(r.json().details.limit, 3);
  t.equal((await ctx.call('GET', '/v1/settlements', { as: 'ops' })).statusCode, 200, 'another key has its own budget');
  t.equal((await ctx.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'health checks are not limited');
});
