import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { isApiRequest } from './auth.js';

/**
 * Per-key rate limit on /v1 (@fastify/rate-limit, in-process store): at most `max`
 * requests per `windowSeconds` per API key, then 429 RATE_LIMITED with Retry-After.
 * Its hook runs after authentication, so the bucket is the key id, never the client
 * address (many HIS terminals share one hospital NAT). `max` 0 turns it off. With more
 * than one replica each counts on its own: divide the budget or move the store to Redis.
 */
export async function rateLimitPlugin(app: FastifyInstance, opts: { max: number; windowSeconds: number }): Promise<void> {
  if (opts.max === 0) return;
  await app.register(rateLimit, {
    global: true,
    max: opts.max,
    timeWindow: opts.windowSeconds * 1000,
    allowList: (req) => !isApiRequest(req) || req.principal === null,
    keyGenerator: (req) => req.principal?.keyId ?? req.ip,
    errorResponseBuilder: (_req, ctx) =>
      new AppError('RATE_LIMITED', `rate limit of ${ctx.max} requests per ${ctx.after} reached for this API key; retry after ${Math.ceil(ctx.ttl / 1000)} s`, {
        limit: ctx.max,
        retryAfterSeconds: Math.ceil(ctx.ttl / 1000),
      }),
  });
}
