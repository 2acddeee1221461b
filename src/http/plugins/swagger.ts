import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

/** The OpenAPI document is built from the route schemas; `npm run openapi` writes it to openapi/. */
export const OPENAPI_INFO = {
  title: 'One-stop settlement API (一站式结算)',
  description:
    'Basic medical insurance, critical-illness insurance, medical assistance and tilted assistance settled in one ' +
    'transaction at discharge. Money is always a decimal string with two places ("123.45"); errors are ' +
    '{code, message, details} with stable codes.',
  version: '1.0.0',
};

export async function swaggerPlugin(app: FastifyInstance, opts: { ui: boolean }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      tags: [
        { name: 'settlements', description: 'preview, settle, read, reverse, replay' },
        { name: 'persons', description: 'annual accumulators (5206 analogue)' },
        { name: 'health', description: 'liveness and readiness' },
      ],
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer <key>' } },
      },
    },
  });
  if (opts.ui) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiHooks: {
        // @fastify/swagger-ui (6.1) sends /docs/static/index.html to /docs/ by rewriting the
        // raw URL, which fails, and so redirects to itself for ever, with a query string or
        // a percent-encoded spelling (/docs/static/%69ndex.html). Any request the router
        // matched to that page goes to /docs/ here, its query kept.
        onRequest: (req, reply, done) => {
          if (req.routeOptions.url === '/docs/static/index.html') {
            const q = req.url.indexOf('?');
            void reply.redirect(`/docs/${q >= 0 ? req.url.slice(q) : ''}`);
            return;
          }
          done();
        },
      },
    });
  }
}
