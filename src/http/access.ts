import type { Role } from '../services/api-keys.js';

/*
 * Who may call what: the one access table, keyed by method and route pattern. A /v1
 * route missing here is refused to everyone (fail closed), and a test checks every
 * registered route has its row. `scope` says how a hospital-bound key (hospital,
 * cashier) is confined to its own hospital's data:
 *   bill        – the body's hospitalCode must be the key's hospital (403 HOSPITAL_MISMATCH);
 *   settlement  – the settlement :id must belong to the key's hospital, else 404 as if
 *                 it did not exist (ids must not leak across hospitals);
 *   by-key      – keys are unique per hospital: ?hospital= defaults to the key's own;
 *                 another hospital's code answers 404 as if the key were unknown;
 *   list        – ?hospital= defaults to the key's hospital; another one is 403;
 *   patient     – the person :id must have a settlement (active or reversed) at the key's
 *                 hospital, else 404 PERSON_NOT_FOUND exactly as for an unknown person: a
 *                 HIS reads the accumulators (5206) of its own patients, and must not
 *                 learn who else is insured. Before a first settlement it uses preview.
 * Roles without a hospital (ops, admin) are never scoped.
 */

export type Scope = 'none' | 'bill' | 'settlement' | 'by-key' | 'list' | 'patient';

export interface Access {
  roles: readonly Role[];
  scope: Scope;
}

const READERS = ['hospital', 'cashier', 'ops'] as const;

export const ACCESS: Readonly<Record<string, Access>> = {
  'POST /v1/settlements/preview': { roles: ['hospital'], scope: 'bill' },
  'POST /v1/settlements': { roles: ['hospital'], scope: 'bill' },
  'GET /v1/settlements': { roles: READERS, scope: 'list' },
  'GET /v1/settlements/by-key/:idempotencyKey': { roles: READERS, scope: 'by-key' },
  'GET /v1/settlements/:id': { roles: READERS, scope: 'settlement' },
  'GET /v1/settlements/:id/slip': { roles: READERS, scope: 'settlement' },
  'POST /v1/settlements/:id/reversal': { roles: ['hospital'], scope: 'settlement' },
  'POST /v1/settlements/:id/replay': { roles: ['ops'], scope: 'none' },
  'GET /v1/persons/:id/ledger': { roles: ['hospital', 'ops'], scope: 'patient' },
  'GET /v1/persons': { roles: ['hospital', 'ops'], scope: 'none' },
  'GET /v1/persons/:id': { roles: ['ops', 'admin'], scope: 'none' },
  'POST /v1/persons': { roles: ['admin'], scope: 'none' },
  'GET /v1/hospitals': { roles: ['ops', 'admin'], scope: 'none' },
  'GET /v1/hospitals/:code': { roles: ['ops', 'admin'], scope: 'none' },
  'POST /v1/hospitals': { roles: ['admin'], scope: 'none' },
  'POST /v1/hospitals/:code/changes': { roles: ['admin'], scope: 'none' },
  'POST /v1/identity-imports': { roles: ['admin'], scope: 'none' },
  'GET /v1/identity-imports/:batchId': { roles: ['ops', 'admin'], scope: 'none' },
  'GET /v1/policies': { roles: ['ops', 'admin'], scope: 'none' },
  'GET /v1/policies/:id': { roles: ['ops', 'admin'], scope: 'none' },
  'POST /v1/policies': { roles: ['admin'], scope: 'none' },
  'GET /v1/keys': { roles: ['admin'], scope: 'none' },
  'POST /v1/keys': { roles: ['admin'], scope: 'none' },
  'POST /v1/keys/:id/revocation': { roles: ['admin'], scope: 'none' },
  'GET /v1/audit': { roles: ['ops', 'admin'], scope: 'none' },
};

export const accessKey = (method: string, url: string): string => `${method} ${url}`;
