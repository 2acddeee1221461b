import type { FastifyInstance, FastifyRequest } from 'fastify';
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

/**
 * Marks a route schema whose body may be left out altogether, the one thing such a route
 * declares: the route gets noBodyAsEmptyObject (swaggerPlugin's onRoute hook), and, as
 * @fastify/swagger copies a schema's x- members into its operation, the document says
 * there that the request body is not required and drops the mark (optionalBodies).
 */
export const OPTIONAL_BODY = 'x-optional-body';

/**
 * preValidation of a route whose body may be left out: a request without one (no
 * Content-Type, nothing sent) is validated and handled as {}. A body that was sent is
 * left alone: an empty one that says it is JSON is still 400 MALFORMED_JSON.
 */
async function noBodyAsEmptyObject(req: FastifyRequest): Promise<void> {
  if (req.body === undefined) req.body = {};
}

/** Each operation marked OPTIONAL_BODY: its request body is not required, and the mark is gone. */
function optionalBodies(doc: Record<string, unknown>): Record<string, unknown> {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  for (const ops of Object.values(paths)) {
    for (const op of Object.values(ops)) {
      if (op === null || typeof op !== 'object' || !(OPTIONAL_BODY in op)) continue;
      const body = op.requestBody as { required?: boolean } | undefined;
      if (body) body.required = false;
      delete op[OPTIONAL_BODY];
    }
  }
  return doc;
}

export async function swaggerPlugin(app: FastifyInstance, opts: { ui: boolean }): Promise<void> {
  // Routes registered from here on: one marked OPTIONAL_BODY reads a missing body as {}.
  app.addHook('onRoute', (route) => {
    if (!(route.schema as Record<string, unknown> | undefined)?.[OPTIONAL_BODY]) return;
    const own = route.preValidation;
    route.preValidation = [noBodyAsEmptyObject, ...(own === undefined ? [] : Array.isArray(own) ? own : [own])];
  });
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
    transformObject: (doc) => optionalBodies(('openapiObject' in doc ? doc.openapiObject : doc.swaggerObject) as Record<string, unknown>),
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
