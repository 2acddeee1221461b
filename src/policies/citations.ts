import { resolvePointer, selfAndAncestors, walkLeaves } from './walk.js';
import type { PackProblem } from './semantic.js';

/*
 * Every number, and every switch that moves money, in a pack must say where it comes from: a seed document and article
 * with a verbatim quote, or `assumed: true` with the reason. A citation on a subtree
 * (e.g. "/basic/deductibleByLevel") covers every number below it, so one assumed
 * regional default need not be repeated per hospital level.
 */

/** Keys whose string values are identifiers that merely look numeric (fund and region codes). */
const IDENTIFIER_KEYS = new Set(['id', 'region', 'version', 'fundCode', 'code', 'title', 'name', 'fundName']);
const NUMERIC_RE = /^-?\d+(\.\d+)?$/;

function isNumericLeaf(key: string, parentKey: string, value: unknown): boolean {
  if (typeof value === 'number') return true;
  if (typeof value !== 'string' || !NUMERIC_RE.test(value)) return false;
  return !IDENTIFIER_KEYS.has(key) && parentKey !== 'categories' && parentKey !== 'sourceDocs';
}

/**
 * Switches that move money (basicDeductibleEntersBase, capRemoved, requiresReferral,
 * settledAtCounter …) need a source as much as a number does. Booleans elsewhere
 * (category flags, identityStartsNextMonth) describe the pack's shape and are not forced.
 */
const MONEY_SECTIONS = ['/basic/', '/criticalIllness/', '/assistance/', '/tilt/', '/extraLayers/'];

function isMoneySwitch(pointer: string, value: unknown): boolean {
  return typeof value === 'boolean' && MONEY_SECTIONS.some((s) => pointer.startsWith(s));
}

export function checkCitations(pack: Record<string, unknown>): PackProblem[] {
  const citations = (pack['citations'] ?? {}) as Record<string, unknown>;
  const problems: PackProblem[] = [];
  const { citations: _omit, ...body } = pack;
  walkLeaves(body, ({ pointer, key, parentKey, value }) => {
    const numeric = isNumericLeaf(key, parentKey, value);
    if (!numeric && !isMoneySwitch(pointer, value)) return;
    if (!selfAndAncestors(pointer).some((p) => p in citations)) {
      const what = numeric ? 'number' : 'switch';
      problems.push({ path: pointer, problem: `${what} ${String(value)} has no citation (cite a document or mark it assumed with a reason)` });
    }
  });
  for (const pointer of Object.keys(citations)) {
    if (pointer === '' || resolvePointer(body, pointer) === undefined) {
      problems.push({ path: `/citations/${pointer}`, problem: 'citation points to nothing in the pack' });
    }
  }
  return problems;
}
