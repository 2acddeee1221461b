import t from 'tap';
import { testApp } from '../helpers/app.js';

/* The Swagger UI at /docs: no key needed, every page reachable, no redirect loop. */
const { app, apiKey } = await testApp(t);

t.test('/docs serves the Swagger UI and the OpenAPI document it shows', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, /swagger-ui-bundle\.js/);
  const doc = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(doc.statusCode, 200);
  t.equal(doc.json().openapi, '3.1.0');
  t.ok(doc.json().paths['/v1/settlements'], 'the settlement routes are in it');
});

t.test('/docs/static/index.html leads to /docs/ once, with or without a query string, however it is spelled', async (t) => {
  for (const [url, to] of [
    ['/docs/static/index.html', '/docs/'], ['/docs/static/index.html?x', '/docs/?x'], ['/docs/static/index.html?a=1&b=2', '/docs/?a=1&b=2'],
    // Percent-encoded spellings the router reads as the same page.
    ['/docs/static/%69ndex.html', '/docs/'], ['/docs/static/index%2Ehtml?x', '/docs/?x'], ['/docs/st%61tic/index.html?x', '/docs/?x'], ['/d%6Fcs/static/index.html?x', '/docs/?x'],
  ] as const) {
    const r = await app.inject({ method: 'GET', url });
    t.equal(r.statusCode, 302, url);
    t.equal(r.headers.location, to, `${url} → ${to}`);
    const next = await app.inject({ method: 'GET', url: to });
    t.equal(next.statusCode, 200, `${to} is the page itself`);
  }
});

t.test('a path the static files refuse is 403 FORBIDDEN, a path parameter over 100 characters 414 URI_TOO_LONG', async (t) => {
  const refused = await app.inject({ method: 'GET', url: '/docs/static//index.html?x' });
  t.equal(refused.statusCode, 403);
  t.equal(refused.json().code, 'FORBIDDEN');
  const long = await app.inject({ method: 'GET', url: `/v1/settlements/${'a'.repeat(101)}`, headers: { authorization: `Bearer ${apiKey}` } });
  t.equal(long.statusCode, 414);
  t.same(Object.keys(long.json()), ['code', 'message', 'details']);
  t.equal(long.json().code, 'URI_TOO_LONG');
});
