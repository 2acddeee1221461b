import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/database.js';
import { hospitalCodeExists, hospitalOfSettlement, personSettledAt } from '../../db/repositories/access.js';
import { findActiveKey, type Principal } from '../../services/api-keys.js';
import { keyActor, type Actor } from '../../services/actor.js';
import { ACCESS, accessKey, type Access } from '../access.js';
import { AppError, notFound } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the auth plugin on /v1 routes. */
    principal: Principal | null;
    /** The route's row of the access table. */
    access: Access | null;
  }
}

/** The audit actor of an authenticated request. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.principal) throw new AppError('UNAUTHORIZED', 'send Authorization: Bearer <api key>');
  return keyActor(req.principal.keyId);
}

/**
 * API-key authentication and authorisation for /v1: `Authorization: Bearer <key>`;
 * missing or unknown → 401; a role the access table does not list for the route → 403
 * (both before the body is read). After validation, keys bound to a hospital are
 * confined to it (see access.ts). Lookups are cached briefly so a settlement costs no
 * extra round trip; a revoked key stops working within `cacheMs`.
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
  app.decorateRequest('access', null);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (!isApiRequest(req)) return;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new AppError('UNAUTHORIZED', 'send Authorization: Bearer <api key>');
    const principal = await principalOf(m[1]!);
    if (!principal) throw new AppError('UNAUTHORIZED', 'unknown or revoked API key');
    req.principal = principal;
    req.log = req.log.child({ keyId: principal.keyId });
    // No route matched: the not-found handler answers 404.
    if (req.routeOptions.url === undefined) return;
    // HEAD is fastify's automatic twin of each GET route: the GET's row decides.
    const access = ACCESS[accessKey(req.method === 'HEAD' ? 'GET' : req.method, req.routeOptions.url)];
    if (!access || !access.roles.includes(principal.role)) {
      throw new AppError('FORBIDDEN', `a key with role ${principal.role} may not call ${req.method} ${req.routeOptions.url}`, { role: principal.role, allowed: access?.roles ?? [] });
    }
    req.access = access;
  });

  app.addHook('preHandler', async (req: FastifyRequest) => {
    // Fail closed: whatever way a request reached a /v1 handler, it has a key and an access row.
    if (isApiRoute(req) && (!req.principal || !req.access)) throw new AppError('UNAUTHORIZED', 'send Authorization: Bearer <api key>');
    const p = req.principal;
    if (!p || !req.access || req.access.scope === 'none' || (p.role !== 'hospital' && p.role !== 'cashier')) return;
    if (p.hospitalId === null || p.hospitalCode === null) throw new AppError('FORBIDDEN', 'this key is not bound to a hospital', { role: p.role });
    await confine(opts.db, req, p.hospitalId, p.hospitalCode);
  });
}

/** The route the router matched is an API route (its pattern, never the raw URL: `/%761/…` routes to `/v1/…`). */
function isApiRoute(req: FastifyRequest): boolean {
  return req.routeOptions.url?.startsWith('/v1/') ?? false;
}

/**
 * Needs a key: every request the router matched to a /v1 route, and every unmatched one
 * whose decoded path is under /v1 (those get their 404 only with a valid key, as before).
 */
export function isApiRequest(req: FastifyRequest): boolean {
  if (req.routeOptions.url !== undefined) return isApiRoute(req);
  let path = req.url.split('?')[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape: judge by the raw path.
  }
  return path.startsWith('/v1/');
}

async function confine(db: Db, req: FastifyRequest, hospitalId: string, hospitalCode: string): Promise<void> {
  switch (req.access?.scope) {
    case 'bill': {
      const code = (req.body as { hospitalCode?: string }).hospitalCode;
      if (code === hospitalCode) return;
      // Designated hospital codes are public (the insurer publishes the list), so an unknown one may say so.
      if (code === undefined || !(await hospitalCodeExists(db, code))) {
        throw new AppError('UNKNOWN_HOSPITAL', `hospital ${code} is not in the registry`, { hospitalCode: code ?? null });
      }
      throw new AppError('HOSPITAL_MISMATCH', `this key settles for hospital ${hospitalCode}, the bill names ${code}`, { keyHospital: hospitalCode, billHospital: code });
    }
    case 'settlement': {
      const id = (req.params as { id: string }).id;
      if ((await hospitalOfSettlement(db, id)) !== hospitalId) throw notFound('SETTLEMENT_NOT_FOUND', id);
      return;
    }
    case 'by-key': {
      // Keys are unique per hospital: a hospital-bound key looks in its own hospital only.
      const key = (req.params as { idempotencyKey: string }).idempotencyKey;
      const q = req.query as { hospital?: string };
      if (q.hospital !== undefined && q.hospital !== hospitalCode) {
        throw new AppError('SETTLEMENT_NOT_FOUND', `no settlement was committed for Idempotency-Key ${key}`, { idempotencyKey: key });
      }
      q.hospital = hospitalCode;
      return;
    }
    case 'patient': {
      const id = (req.params as { id: string }).id;
      if (!(await personSettledAt(db, id, hospitalId))) throw notFound('PERSON_NOT_FOUND', id);
      return;
    }
    case 'list': {
      const q = req.query as { hospital?: string };
      if (q.hospital !== undefined && q.hospital !== hospitalCode) {
        throw new AppError('FORBIDDEN', `this key reads hospital ${hospitalCode} only`, { keyHospital: hospitalCode, requested: q.hospital });
      }
      q.hospital = hospitalCode;
      return;
    }
    default:
      return;
  }
}
