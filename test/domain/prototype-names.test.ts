import t from 'tap';
import { readFileSync } from 'node:fs';
import { settle } from '../../src/domain/engine.js';
import { applyDelta, emptyLedger, ledgerDelta, ledgersEqual, negateDelta } from '../../src/domain/ledger.js';
import { ledgerFromWire, ledgerToWire } from '../../src/domain/wire.js';
import { loadPack } from '../../src/policies/loader.js';
import type { PolicyPack } from '../../src/policies/types.js';
import { bill, ident } from './fixtures/build.js';

/*
 * Category codes and extra layer ids are a pack author's strings, and packs are added
 * at run time (POST /v1/policies). The engine keeps them in plain objects, so a name
 * that Object.prototype also has ("constructor", "toString", "valueOf") must be looked
 * up as an own key: found by the API fuzzing of 2026-12-03 as a 500 ([DecimalError]
 * Invalid argument) for every settlement of such a region.
 */

const WENZHOU = JSON.parse(readFileSync(new URL('../../src/policies/packs/wenzhou-2019.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** The Wenzhou pack with the supplementary layer renamed `layerId` and one more category `category` that has no assistance of its own. */
function packWith(layerId: string, category: string): PolicyPack {
  const json = structuredClone(WENZHOU) as { categories: Array<Record<string, unknown>>; extraLayers: Array<{ id: string; categories: string[] | null }> };
  json.categories.push({ code: category, name: 'a category named after a built-in', ordinaryTreatment: false });
  json.extraLayers[0]!.id = layerId;
  json.extraLayers[0]!.categories!.push(category);
  return loadPack(json, `test:${layerId}/${category}`);
}

for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
  t.test(`a category and an extra layer named "${name}" settle like any other`, async (t) => {
    const policy = packWith(name, name);
    const b = bill('100000.00', { discharge: '2020-06-01' });
    const person = (category: string) => ({ id: 'P1', insuredRegion: '330302', scheme: 'urban_rural_resident' as const, identities: [ident(category)] });

    const s = settle({ bill: b, person: person(name), ledger: emptyLedger(2020), policy, settlementDate: '2020-06-01' });
    t.equal(s.identity.used, name);
    const extra = s.layers.find((l) => l.layer === name);
    t.ok(extra, 'the extra layer is in the settlement under its own name');
    t.ok(extra!.paid.greaterThan(0), 'and pays: the category is eligible for it');
    t.same(s.layers.find((l) => l.layer === 'assistance')!.reasons, ['CATEGORY_NOT_ELIGIBLE'], 'no assistance entry for the category: nothing from assistance');
    t.ok(Object.hasOwn(s.ledgerAfter.extraPaid, name), 'the ledger counts the layer as an own key');
    t.equal(s.ledgerAfter.extraPaid[name]!.toFixed(2), extra!.paid.toFixed(2));

    // The ledger arithmetic a reversal and a replay use keep the key too.
    const delta = ledgerDelta(s.ledgerBefore, s.ledgerAfter);
    t.ok(Object.hasOwn(delta.extraPaid, name));
    t.ok(ledgersEqual(applyDelta(s.ledgerBefore, delta), s.ledgerAfter));
    t.ok(ledgersEqual(applyDelta(s.ledgerAfter, negateDelta(delta)), s.ledgerBefore), 'a reversal restores the ledger exactly');
    const back = ledgerFromWire(JSON.parse(JSON.stringify(ledgerToWire(s.ledgerAfter))));
    t.ok(ledgersEqual(back, s.ledgerAfter), 'through the wire and back');

    // A second settlement reads what the first one paid from the ledger.
    const again = settle({ bill: b, person: person(name), ledger: s.ledgerAfter, policy, settlementDate: '2020-06-01' });
    t.ok(again.ledgerAfter.extraPaid[name]!.greaterThan(s.ledgerAfter.extraPaid[name]!));

    // Someone of another category is not eligible for the layer and has no key for it.
    const other = settle({ bill: b, person: person('yinbing'), ledger: emptyLedger(2020), policy, settlementDate: '2020-06-01' });
    t.same(other.layers.find((l) => l.layer === name)!.reasons, ['CATEGORY_NOT_ELIGIBLE']);
    t.ok(other.layers.find((l) => l.layer === 'assistance')!.paid.greaterThan(0), 'yinbing has assistance of its own');
  });
}
