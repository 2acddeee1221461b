import type { Decimal } from 'decimal.js';
import { DomainError } from './errors.js';
import { ZERO } from './money.js';
import { own } from './own.js';
import type { Ledger } from './types.js';

/*
 * The annual accumulators and their deltas. A settlement records the delta it caused;
 * a reversal applies the negated delta, so it restores exactly its own effect and
 * leaves later settlements' figures alone (as the national platform does).
 */

/** Same fields as a Ledger, each holding a difference; `year` names the policy year it belongs to. */
export type LedgerDelta = Ledger;

/** Every Decimal field of the ledger apart from the extraPaid map. */
export const LEDGER_MONEY_FIELDS = [
  'basicDeductiblePaid',
  'basicPaid',
  'basicCostEntered',
  'ciBase',
  'ciDeductibleConsumed',
  'ciPaid',
  'assistancePaid',
  'assistanceBase',
  'assistanceDeductibleConsumed',
  'tiltPaid',
  'patientInScopeBurden',
  'patientPaid',
] as const;
export type LedgerMoneyField = (typeof LEDGER_MONEY_FIELDS)[number];

export function emptyLedger(year: number): Ledger {
  const l = { year, inpatientAdmissions: 0, extraPaid: {} } as Partial<Ledger>;
  for (const f of LEDGER_MONEY_FIELDS) (l as Record<string, unknown>)[f] = ZERO;
  return l as Ledger;
}

function combine(a: Ledger, b: Ledger, sign: 1 | -1, what: string): Ledger {
  if (a.year !== b.year) {
    throw new DomainError('LEDGER_YEAR_MISMATCH', `${what}: ledger of ${a.year} cannot combine with ${b.year}`, { left: a.year, right: b.year });
  }
  const out = { year: a.year, inpatientAdmissions: a.inpatientAdmissions + sign * b.inpatientAdmissions } as Ledger;
  for (const f of LEDGER_MONEY_FIELDS) out[f] = sign === 1 ? a[f].plus(b[f]) : a[f].minus(b[f]);
  // Keys are policy layer ids: own() and fromEntries, so that an id such as "constructor"
  // or "__proto__" is an entry like any other, never a member of Object.prototype.
  out.extraPaid = Object.fromEntries(
    [...new Set([...Object.keys(a.extraPaid), ...Object.keys(b.extraPaid)])].map((k) => {
      const x = own(a.extraPaid, k) ?? ZERO;
      const y = own(b.extraPaid, k) ?? ZERO;
      return [k, sign === 1 ? x.plus(y) : x.minus(y)];
    }),
  );
  return out;
}

/** after − before, field by field. */
export function ledgerDelta(before: Ledger, after: Ledger): LedgerDelta {
  return combine(after, before, -1, 'ledgerDelta');
}

/** ledger + delta, field by field. */
export function applyDelta(ledger: Ledger, delta: LedgerDelta): Ledger {
  return combine(ledger, delta, 1, 'applyDelta');
}

/** The delta that undoes `delta`. */
export function negateDelta(delta: LedgerDelta): LedgerDelta {
  return combine(emptyLedger(delta.year), delta, -1, 'negateDelta');
}

export function ledgersEqual(a: Ledger, b: Ledger): boolean {
  if (a.year !== b.year || a.inpatientAdmissions !== b.inpatientAdmissions) return false;
  if (!LEDGER_MONEY_FIELDS.every((f) => a[f].equals(b[f]))) return false;
  const keys = new Set([...Object.keys(a.extraPaid), ...Object.keys(b.extraPaid)]);
  return [...keys].every((k) => (own(a.extraPaid, k) ?? ZERO).equals(own(b.extraPaid, k) ?? ZERO));
}
