import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface FieldDiff {
  path: string;
  left: unknown;
  right: unknown;
}

/**
 * Field-by-field differences between two JSON values, as JSON-pointer-like paths
 * ("/layers/1/paid"). Used to name what differs in an idempotency conflict and in replay.
 */
export function jsonDiff(left: unknown, right: unknown, path = '', out: FieldDiff[] = [], max = 200): FieldDiff[] {
  if (out.length >= max) return out;
  const bothObjects = left !== null && right !== null && typeof left === 'object' && typeof right === 'object' && Array.isArray(left) === Array.isArray(right);
  if (!bothObjects) {
    if (canonicalJson(left) !== canonicalJson(right)) out.push({ path: path || '/', left, right });
    return out;
  }
  const l = left as Record<string, unknown>;
  const r = right as Record<string, unknown>;
  const keys = Array.isArray(left) ? [...Array(Math.max((left as unknown[]).length, (right as unknown[]).length)).keys()].map(String) : [...new Set([...Object.keys(l), ...Object.keys(r)])].sort();
  // Own members only: a key one side lacks is absent there, never what Object.prototype
  // has under that name (constructor, toString, __proto__).
  for (const k of keys) jsonDiff(Object.hasOwn(l, k) ? l[k] : undefined, Object.hasOwn(r, k) ? r[k] : undefined, `${path}/${k}`, out, max);
  return out;
}
