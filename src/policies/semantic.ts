import { Decimal } from 'decimal.js';
import type { PolicyPack } from './types.js';
import { walkLeaves, resolvePointer } from './walk.js';

/*
 * Checks the schema cannot express: ratios are fractions in [0, 1], amounts are not
 * negative, bands start at 0 and ascend strictly, every referenced category is
 * defined, and the effective range is a real, ordered range of calendar dates.
 */

export interface PackProblem {
  path: string;
  problem: string;
}

/** A pointer whose last (or second-to-last, for maps) token names a ratio. */
const RATIO_POINTER = /(?:^|\/)(?:[A-Za-z]*(?:[Rr]atio|[Ss]hare|[Ff]actor)[A-Za-z]*|cutPerAdmission)(?:\/[^/]+)?$/;
const NUMERIC_RE = /^-?\d+(\.\d+)?$/;
const BUILTIN_LAYERS = new Set(['basic', 'critical_illness', 'assistance', 'tilt']);

function checkNumbers(pack: PolicyPack, out: PackProblem[]): void {
  walkLeaves(pack, ({ pointer, key, value }) => {
    if (pointer.startsWith('/citations') || typeof value !== 'string' || !NUMERIC_RE.test(value)) return;
    if (key === 'fundCode' || key === 'region' || key === 'version' || key === 'id' || key === 'code') return;
    const d = new Decimal(value);
    if (d.isNegative()) out.push({ path: pointer, problem: `must not be negative (got ${value})` });
    else if (RATIO_POINTER.test(pointer) && d.greaterThan(1)) out.push({ path: pointer, problem: `ratio must be a fraction in [0, 1] (got ${value})` });
  });
}

function checkBands(bands: Array<{ from: string }>, path: string, out: PackProblem[]): void {
  if (bands.length > 0 && !new Decimal(bands[0]!.from).isZero()) out.push({ path: `${path}/0/from`, problem: 'the first band must start at 0' });
  for (let i = 1; i < bands.length; i++) {
    if (!new Decimal(bands[i]!.from).greaterThan(bands[i - 1]!.from)) {
      out.push({ path: `${path}/${i}/from`, problem: `bands overlap or are not ascending (${bands[i - 1]!.from} then ${bands[i]!.from})` });
    }
  }
}

function allBandLists(pack: PolicyPack): Array<[string, Array<{ from: string; ratio: string }>]> {
  const lists: Array<[string, Array<{ from: string; ratio: string }>]> = [];
  for (const lvl of ['1', '2', '3'] as const) lists.push([`/basic/ratioByLevel/${lvl}`, pack.basic.ratioByLevel[lvl]]);
  lists.push(['/criticalIllness/bands', pack.criticalIllness.bands]);
  for (const [c, a] of Object.entries(pack.assistance.byCategory)) lists.push([`/assistance/byCategory/${c}/bands`, a.bands]);
  pack.extraLayers.forEach((l, i) => lists.push([`/extraLayers/${i}/bands`, l.bands]));
  return lists;
}

function checkCategories(pack: PolicyPack, out: PackProblem[]): void {
  const defined = new Set<string>();
  pack.categories.forEach((c, i) => {
    if (defined.has(c.code)) out.push({ path: `/categories/${i}/code`, problem: `category ${c.code} defined twice` });
    defined.add(c.code);
  });
  const refs: Array<[string, string]> = [];
  const list = (path: string, cs: string[] | null | undefined) => cs?.forEach((c, i) => refs.push([`${path}/${i}`, c]));
  list('/basic/laterAdmissions/categories', pack.basic.laterAdmissions?.categories);
  list('/basic/referralCarry/categories', pack.basic.referralCarry.categories);
  pack.extraLayers.forEach((l, i) => list(`/extraLayers/${i}/categories`, l.categories));
  for (const c of Object.keys(pack.criticalIllness.tilts)) refs.push([`/criticalIllness/tilts/${c}`, c]);
  for (const c of Object.keys(pack.assistance.byCategory)) refs.push([`/assistance/byCategory/${c}`, c]);
  for (const c of Object.keys(pack.tilt?.ratioByCategory ?? {})) refs.push([`/tilt/ratioByCategory/${c}`, c]);
  for (const [path, c] of refs) if (!defined.has(c)) out.push({ path, problem: `category ${c} is not defined in /categories` });
}

function isRealDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Every date of a pack with its JSON path (null: none, an open end or no start of its own). */
export function packDates(pack: PolicyPack): Array<[string, string | null]> {
  const dates: Array<[string, string | null]> = [['/effectiveFrom', pack.effectiveFrom], ['/effectiveTo', pack.effectiveTo]];
  pack.extraLayers.forEach((l, i) => dates.push([`/extraLayers/${i}/effectiveFrom`, l.effectiveFrom]));
  return dates;
}

function checkDates(pack: PolicyPack, out: PackProblem[]): void {
  for (const [path, d] of packDates(pack)) if (d !== null && !isRealDate(d)) out.push({ path, problem: `not a calendar date: ${d}` });
  if (pack.effectiveTo !== null && pack.effectiveTo < pack.effectiveFrom) {
    out.push({ path: '/effectiveTo', problem: `effective range is inverted (${pack.effectiveFrom} .. ${pack.effectiveTo})` });
  }
}

/** A CI tilt that adds percentage points must not push any band past 100%. */
function checkTilts(pack: PolicyPack, out: PackProblem[]): void {
  for (const [c, t] of Object.entries(pack.criticalIllness.tilts)) {
    if (t.ratioAdjust.kind !== 'add') continue;
    const worst = Decimal.max(...pack.criticalIllness.bands.map((b) => b.ratio)).plus(t.ratioAdjust.value);
    if (worst.greaterThan(1)) out.push({ path: `/criticalIllness/tilts/${c}/ratioAdjust/value`, problem: `tilted ratio ${worst.toString()} exceeds 1` });
  }
}

function checkExtraIds(pack: PolicyPack, out: PackProblem[]): void {
  const seen = new Set<string>();
  pack.extraLayers.forEach((l, i) => {
    if (BUILTIN_LAYERS.has(l.id) || seen.has(l.id)) out.push({ path: `/extraLayers/${i}/id`, problem: `layer id ${l.id} is reserved or used twice` });
    seen.add(l.id);
  });
}

/**
 * Layers that pay on the B pre-self-pay must run after every layer that does not. The
 * engine keeps the personal burden in two parts (in-scope, pre-self-pay); once a layer
 * has paid on both, no split of its payment between them keeps both monotonicity rules
 * for a later in-scope-only layer. Example: a layer with a 100 deductible at 90% on both
 * parts, then assistance at 90% on the in-scope part. With pre-self-pay 100, adding 100
 * in scope makes the first layer pay 90; either the later layer's base shrinks (so a
 * higher bill lowers its payment: 90 for in-scope 100 alone) or it does not (so the
 * patient's share falls from 100 to 20 for a higher bill). Such a pack is refused.
 */
function checkPreSelfPayOrder(pack: PolicyPack, out: PackProblem[]): void {
  const order: Array<[string, boolean]> = [];
  pack.extraLayers.forEach((l, i) => l.position === 'before_assistance' && order.push([`/extraLayers/${i}/preSelfPayEntersBase`, l.preSelfPayEntersBase]));
  order.push(['/assistance/preSelfPayEntersBase', pack.assistance.preSelfPayEntersBase]);
  pack.extraLayers.forEach((l, i) => l.position === 'after_tilt' && order.push([`/extraLayers/${i}/preSelfPayEntersBase`, l.preSelfPayEntersBase]));
  let includer: string | null = null;
  for (const [path, includes] of order) {
    if (includes) includer ??= path.slice(0, path.lastIndexOf('/'));
    else if (includer !== null) out.push({ path, problem: `must be true: ${includer} runs earlier and pays on the B pre-self-pay, so every later layer must too (else a higher bill could lower a payment or the patient's share)` });
  }
}

export function checkSemantics(pack: PolicyPack): PackProblem[] {
  const out: PackProblem[] = [];
  checkNumbers(pack, out);
  for (const [path, bands] of allBandLists(pack)) if (resolvePointer(pack, path) !== undefined) checkBands(bands, path, out);
  checkCategories(pack, out);
  checkDates(pack, out);
  checkTilts(pack, out);
  checkExtraIds(pack, out);
  checkPreSelfPayOrder(pack, out);
  return out;
}
