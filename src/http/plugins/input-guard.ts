import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/*
 * PostgreSQL text (and jsonb) cannot hold U+0000: a NUL that reaches a query fails there
 * as a 500 (22021/22P05). No legitimate value of this API contains one, so one hook
 * refuses it in every string the service reads before anything else looks at it:
 * path params, the query string, the body (all nested strings and object keys, or a
 * CSV text), and the headers whose values the service stores or queries. The other
 * headers never reach the database: Authorization is hashed before its look-up and
 * X-Request-Id is replaced unless it matches a safe pattern (logger.ts).
 */

const STORED_HEADERS = ['idempotency-key'] as const;

/** The JSON-pointer-like path of the first string (or key) containing NUL, or undefined. */
export function findNul(value: unknown, path: string): string | undefined {
  const stack: Array<[unknown, string]> = [[value, path]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) return p;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${p}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\0')) return `${p}/${k}`;
        stack.push([child, `${p}/${k}`]);
      }
    }
  }
  return undefined;
}

function nulIn(req: FastifyRequest): string | undefined {
  const headers = Object.fromEntries(STORED_HEADERS.map((h) => [h, req.headers[h]]));
  return findNul(req.params, '/params') ?? findNul(req.query, '/querystring') ?? findNul(headers, '/headers') ?? findNul(req.body, '/body');
}

export async function inputGuardPlugin(app: FastifyInstance): Promise<void> {
  // preValidation: after the body is parsed, before the schema, auth scoping and handlers.
  app.addHook('preValidation', async (req) => {
    const path = nulIn(req);
    if (path !== undefined) {
      throw new AppError('VALIDATION_FAILED', `request ${path} contains a NUL character (U+0000)`, { errors: [{ path, message: 'must not contain the NUL character (U+0000)' }] });
    }
  });
}
