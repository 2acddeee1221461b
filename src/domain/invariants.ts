import { ZERO, sum } from './money.js';
import { ledgerDelta } from './ledger.js';
import type { Settlement } from './types.js';

/*
 * Assertions at the end of every settlement. A failure here is a bug in the engine or
 * a pack the validator should have refused, never a user error: it throws a plain
 * Error so the service answers 500 and nothing is persisted.
 */

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`settlement invariant violated: ${what}`);
}

/** What the layer paid in s (zero when it did not run); module-level, see precise() in validate.ts. */
function paidOf(s: Settlement, layer: string) {
  return s.layers.find((l) => l.layer === layer)?.paid ?? ZERO;
}

export function assertInvariants(s: Settlement): void {
  const { split } = s;
  check(split.total.equals(split.fullySelfPaid.plus(split.overLimit).plus(split.preSelfPay).plus(split.inScope)), 'bill split does not add up');
  check(s.fundTotal.equals(sum(s.layers.map((l) => l.paid))), 'fund total is not the sum of layers');
  check(split.total.equals(s.fundTotal.plus(s.patientShare)), 'total ≠ funds + patient share');
  check(s.patientShare.greaterThanOrEqualTo(split.fullySelfPaid.plus(split.overLimit)), 'out-of-scope money reached a fund');
  for (const l of s.layers) {
    check(l.paid.greaterThanOrEqualTo(0) && l.paid.decimalPlaces() <= 2, `${l.layer} paid is negative or not whole cents`);
    check(l.paid.lessThanOrEqualTo(l.base), `${l.layer} paid more than its base`);
    check(l.limitBefore === null || l.paid.lessThanOrEqualTo(l.limitBefore), `${l.layer} overran its limit`);
  }
  const d = ledgerDelta(s.ledgerBefore, s.ledgerAfter);
  check(d.basicPaid.equals(paidOf(s, 'basic')), 'ledger basicPaid delta ≠ basic payment');
  check(d.ciPaid.equals(paidOf(s, 'critical_illness')), 'ledger ciPaid delta ≠ critical-illness payment');
  check(d.assistancePaid.equals(paidOf(s, 'assistance')), 'ledger assistancePaid delta ≠ assistance payment');
  check(d.tiltPaid.equals(paidOf(s, 'tilt')), 'ledger tiltPaid delta ≠ tilt payment');
  check(d.patientPaid.equals(s.patientShare), 'ledger patientPaid delta ≠ patient share');
  for (const [k, v] of Object.entries(d.extraPaid)) check(v.equals(paidOf(s, k)), `ledger extraPaid.${k} delta ≠ its payment`);
}
