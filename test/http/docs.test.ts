import t from 'tap';
import { testApp } from '../helpers/app.js';

/* The Swagger UI at /docs: no key needed, every page reachable, no redirect loop. */
const { app } = await testApp(t);

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

t.test('/docs/static/index.html leads to /docs/ once, with or without a query string', async (t) => {
  for (const [url, to] of [['/docs/static/index.html', '/docs/'], ['/docs/static/index.html?x', '/docs/?x'], ['/docs/static/index.html?a=1&b=2', '/docs/?a=1&b=2']] as const) {
    const r = await app.inject({ method: 'GET', url });
    t.equal(r.statusCode, 302, url);
    t.equal(r.headers.location, to, `${url} → ${to}`);
    const next = await app.inject({ method: 'GET', url: to });
    t.equal(next.statusCode, 200, `${to} is the page itself`);
  }
});
