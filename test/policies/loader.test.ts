import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { loadBundledPacks, loadPack } from '../../src/policies/loader.js';
import { DomainError } from '../../src/domain/errors.js';
import { walkLeaves } from '../../src/policies/walk.js';

/* Bad packs are refused with POLICY_INVALID naming pack, path and problem; good ones load. */

const packs = loadBundledPacks();
const base = () => structuredClone(packs.find((p) => p.id === 'qiannan-2021')) as unknown as Record<string, any>;

function rejects(t: Tap, mutate: (p: Record<string, any>) => void, path: string, problem: RegExp): void {
  const p = base();
  mutate(p);
  try {
    loadPack(p, 'test.json');
    t.fail(`accepted a pack with a bad ${path}`);
  } catch (e) {
    t.ok(e instanceof DomainError && e.code === 'POLICY_INVALID', 'POLICY_INVALID');
    const err = e as DomainError;
    t.match(err.message, /qiannan-2021 \(test\.json\)/, 'message names the pack');
    t.match(err.message, path, 'message names the path');
    t.match(err.message, problem, 'message names the problem');
    t.ok(Array.isArray(err.details['errors']));
  }
}
type Tap = import('tap').Test;

t.test('all six bundled packs load', async (t) => {
  t.same(packs.map((p) => p.id), ['hebei-2018', 'national-2020', 'qiannan-2021', 'shenyang-2019', 'shenyang-2020', 'wenzhou-2019']);
  t.ok(Object.isFrozen(packs[0]));
});

t.test('a missing field is refused', async (t) => rejects(t, (p) => delete p['basic'].annualCap, '/basic', /required/));
t.test('a negative ratio is refused', async (t) => rejects(t, (p) => (p['criticalIllness'].bands[0].ratio = '-0.10'), '/criticalIllness/bands/0/ratio', /negative/));
t.test('a ratio above 1 is refused', async (t) => rejects(t, (p) => (p['assistance'].byCategory.tekun.bands[0].ratio = '1.20'), '/assistance/byCategory/tekun/bands/0/ratio', /\[0, 1\]/));
t.test('overlapping bands are refused', async (t) =>
  rejects(t, (p) => (p['criticalIllness'].bands = [{ from: '0', ratio: '0.6' }, { from: '0', ratio: '0.7' }]), '/criticalIllness/bands/1/from', /overlap/));
t.test('an uncited number is refused', async (t) => rejects(t, (p) => delete p['citations']['/basic/annualCap'], '/basic/annualCap', /no citation/));
t.test('a citation pointing nowhere is refused', async (t) => rejects(t, (p) => (p['citations']['/basic/nothing'] = { assumed: true, reason: 'a stale citation here' }), '/citations//basic/nothing', /points to nothing/));
t.test('an undefined category is refused', async (t) => rejects(t, (p) => (p['tilt'].ratioByCategory.ghost = '0.5'), '/tilt/ratioByCategory/ghost', /not defined/));
t.test('an inverted effective range is refused', async (t) => rejects(t, (p) => (p['effectiveTo'] = '2020-01-01'), '/effectiveTo', /inverted/));
t.test('a tilt pushing a band above 100% is refused', async (t) =>
  rejects(t, (p) => (p['criticalIllness'].tilts.tekun.ratioAdjust.value = '0.45'), '/criticalIllness/tilts/tekun/ratioAdjust/value', /exceeds 1/));

t.test('a layer excluding the B pre-self-pay after one that includes it is refused', async (t) =>
  rejects(
    t,
    (p) => {
      p['assistance'].preSelfPayEntersBase = true;
      p['extraLayers'] = [{ id: 'late', fundCode: '699999', fundName: 'x', position: 'after_tilt', effectiveFrom: null, categories: null, preSelfPayEntersBase: false, deductiblePerSettlement: '0.00', bands: [{ from: '0', ratio: '0.50' }], annualLimit: null }];
      p['citations']['/extraLayers'] = { assumed: true, reason: 'a test layer placed after the tilt' };
    },
    '/extraLayers/0/preSelfPayEntersBase',
    /\/assistance runs earlier and pays on the B pre-self-pay/,
  ));
t.test('every cited quote appears verbatim in its seed document', { skip: !existsSync('/work/shared/seeds') && 'seeds not present' }, async (t) => {
  const norm = (s: string) => s.replace(/\s+/g, '');
  for (const p of packs) {
    for (const [ptr, c] of Object.entries(p.citations)) {
      if ('assumed' in c) continue;
      const text = norm(readFileSync(`/work/shared/seeds/${c.doc}`, 'utf8'));
      t.ok(text.includes(norm(c.quote)), `${p.id} ${ptr}: “${c.quote}” in ${c.doc}`);
    }
  }
});

t.test('every numeric leaf of every pack is covered by a citation', async (t) => {
  let numbers = 0;
  for (const p of packs) walkLeaves(p, ({ value }) => void (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) && numbers++));
  t.ok(numbers > 100, `${numbers} numeric-looking leaves checked by the loader`);
});

t.test('Qiannan’s later-admission count is marked assumed: it counts every admission, the text only referred ones at the same level', async (t) => {
  const c = (base()['citations'] as Record<string, { assumed?: boolean; reason?: string }>)['/basic/laterAdmissions'];
  t.equal(c?.assumed, true);
  t.match(c?.reason ?? '', /inpatientAdmissions/);
  t.match(c?.reason ?? '', /同级别/);
});

t.test('a money switch without a citation is refused', async (t) => {
  rejects(t, (p) => delete p['citations']['/tilt/requiresReferral'], '/tilt/requiresReferral', /switch true has no citation/);
  rejects(t, (p) => delete p['citations']['/criticalIllness/basicDeductibleEntersBase'], '/criticalIllness/basicDeductibleEntersBase', /no citation/);
});

t.test('every money switch of every pack is covered by a citation', async (t) => {
  let n = 0;
  for (const p of packs) {
    const cites = (p as unknown as { citations: Record<string, unknown> }).citations;
    walkLeaves(p, ({ pointer, value }) => {
      if (typeof value !== 'boolean' || !/^\/(basic|criticalIllness|assistance|tilt|extraLayers)\//.test(pointer)) return;
      n++;
      const covered = Object.keys(cites).some((c) => pointer === c || pointer.startsWith(`${c}/`));
      t.ok(covered, `${p.id} ${pointer}`);
    });
  }
  t.ok(n > 30, `${n} switches checked`);
});
