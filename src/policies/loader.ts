import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { DomainError } from '../domain/errors.js';
import { PolicyPackSchema } from './schema.js';
import { checkSemantics, type PackProblem } from './semantic.js';
import { checkCitations } from './citations.js';
import type { PolicyPack } from './types.js';

/*
 * Loads and validates policy packs. A pack is trusted only after three gates: the
 * TypeBox shape, the semantic checks and the citation check. Any failure throws one
 * POLICY_INVALID error naming the pack, the JSON path and the problem of the first
 * failure, with every problem in details.errors.
 */

const validator = Compile(PolicyPackSchema);
const PACKS_DIR = fileURLToPath(new URL('./packs/', import.meta.url));

function packName(json: unknown, origin: string): string {
  const id = json !== null && typeof json === 'object' ? (json as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? `${id} (${origin})` : origin;
}

/** Refuses a pack: one POLICY_INVALID naming the pack and its first problem, every problem in details.errors. */
export function fail(name: string, origin: string, errors: PackProblem[]): never {
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  throw new DomainError('POLICY_INVALID', `policy pack ${name}: ${first.path || '/'}: ${first.problem}${more}`, { pack: name, origin, errors });
}

export function loadPack(json: unknown, origin: string): PolicyPack {
  const name = packName(json, origin);
  if (!validator.Check(json)) {
    const errors = validator.Errors(json).map((e) => ({ path: e.instancePath, problem: e.message }));
    fail(name, origin, errors.length > 0 ? errors : [{ path: '', problem: 'does not match the pack schema' }]);
  }
  const pack = json as PolicyPack;
  const problems = [...checkSemantics(pack), ...checkCitations(pack as unknown as Record<string, unknown>)];
  if (problems.length > 0) fail(name, origin, problems);
  return deepFreeze(structuredClone(pack));
}

/** Reads every src/policies/packs/*.json, sorted by file name, and validates each. */
export function loadBundledPacks(dir: string = PACKS_DIR): PolicyPack[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        throw new DomainError('POLICY_INVALID', `policy pack ${f}: not valid JSON: ${(e as Error).message}`, { pack: f, origin: path, errors: [] });
      }
      return loadPack(json, f);
    });
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
