import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.js';
import { findActiveKey, type Principal } from '../../services/api-keys.js';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the auth plugin on /v1 routes. */
    principal: Principal | null;
  }
}

/**
 * API-key authentication for /v1: `Authorization: Bearer <key>`; missing or unknown →
 * 401. This is the seam issue 4 extends: roles per route (e.g. a `config.roles` list
 * checked here), hospital scoping, rate limits. Today every valid key may call every
 * route. Lookups are cached briefly so a settlement costs no extra round trip; a revoked
 * key stops working within `cacheMs`.
 */
export async function authPlugin(app: FastifyInstance, opts: { db: Db; cacheMs?: number }): Promise<void> {
  const cacheMs = opts.cacheMs ?? 10_000;
  const cache = new Map<string, { at: number; principal: Principal | null }>();

  async function principalOf(key: string): Promise<Principal | null> {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < cacheMs) return hit.principal;
    const principal = await findActiveKey(opts.db, key);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { at: Date.now(), principal });
    return principal;
  }

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (!req.url.startsWith('/v1/')) return;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new AppError('UNAUTHORIZED', 'send Authorization: Bearer <api key>');
    const principal = await principalOf(m[1]!);
    if (!principal) throw new AppError('UNAUTHORIZED', 'unknown or revoked API key');
    req.principal = principal;
    req.log = req.log.child({ keyId: principal.keyId });
  });
}
