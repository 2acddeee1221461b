import type { Decimal } from 'decimal.js';
import { DomainError } from './errors.js';
import { sum } from './money.js';
import { splitBill } from './split.js';
import { validateBill } from './validate.js';
import { isCalendarDate } from './dates.js';
import { decidingDate, inForce, policyYearOf, regionFallbacks } from './select.js';
import { screenIdentities } from './identity.js';
import { assertInvariants } from './invariants.js';
import { settlementWarnings } from './warnings.js';
import { basicLayer } from './layers/basic.js';
import { criticalIllnessLayer } from './layers/critical.js';
import { assistanceLayer } from './layers/assistance.js';
import { tiltLayer } from './layers/tilt.js';
import { extraLayer } from './layers/extra.js';
import type { LayerCtx } from './layers/context.js';
import { withExplanation } from './layers/explain.js';
import type { BillSplit, IdentityCandidate, IsoDate, Ledger, LayerResult, SettleInput, Settlement } from './types.js';

/*
 * The one-stop settlement: split the bill, then run the layers in order (basic →
 * critical illness → extras placed before assistance → assistance → tilt → extras
 * after the tilt) once per valid identity and once as an ordinary insured person,
 * and keep the run with the lowest patient share (就高不重复: settled once, under
 * one identity). Pure: no clock, no I/O, no randomness.
 */

interface Run {
  category: string | null;
  layers: LayerResult[];
  fundTotal: Decimal;
  patientShare: Decimal;
  ledgerAfter: Ledger;
}

function copyLedger(l: Ledger): Ledger {
  return { ...l, extraPaid: { ...l.extraPaid } };
}

function runAs(input: SettleInput, split: BillSplit, date: IsoDate, category: string | null): Run {
  const { bill, policy: pack, ledger } = input;
  const ctx: LayerCtx = {
    bill, pack, split, before: ledger, work: copyLedger(ledger), category, date,
    pool: { inScopeLeft: split.inScope, preSelfPayLeft: split.preSelfPay },
  };
  const basic = basicLayer(ctx);
  const layers: LayerResult[] = [basic, criticalIllnessLayer(ctx, basic.deductibleApplied)];
  for (const x of pack.extraLayers) if (x.position === 'before_assistance') layers.push(extraLayer(ctx, x));
  const assist = assistanceLayer(ctx);
  layers.push(assist.result);
  const tilt = tiltLayer(ctx, assist);
  if (tilt !== null) layers.push(tilt);
  for (const x of pack.extraLayers) if (x.position === 'after_tilt') layers.push(extraLayer(ctx, x));

  const fundTotal = sum(layers.map((l) => l.paid));
  const patientShare = split.total.minus(fundTotal);
  const w = ctx.work;
  w.patientPaid = w.patientPaid.plus(patientShare);
  // The patient's catalog burden: what they pay apart from fully self-paid and over-limit money.
  w.patientInScopeBurden = w.patientInScopeBurden.plus(patientShare.minus(split.fullySelfPaid).minus(split.overLimit));
  return { category, layers, fundTotal, patientShare, ledgerAfter: w };
}

function checkApplicable(input: SettleInput, date: IsoDate, year: number): void {
  const { policy: pack, person, ledger } = input;
  if (!regionFallbacks(person.insuredRegion).includes(pack.region)) {
    throw new DomainError('POLICY_REGION_MISMATCH', `pack ${pack.id} (region ${pack.region}) does not govern insured region ${person.insuredRegion}`, { pack: pack.id, region: person.insuredRegion });
  }
  if (!inForce(pack, date)) {
    throw new DomainError('NO_POLICY_FOR_DATE', `pack ${pack.id} is not in force on ${date}`, { pack: pack.id, date });
  }
  if (ledger.year !== year) {
    throw new DomainError('LEDGER_YEAR_MISMATCH', `ledger is for ${ledger.year} but the deciding date ${date} falls in ${year}`, { ledgerYear: ledger.year, policyYear: year });
  }
}

/** Lowest patient share wins; on a tie the earlier candidate (pack precedence, ordinary last). */
function choose(runs: Run[]): Run {
  return runs.reduce((best, r) => (r.patientShare.lessThan(best.patientShare) ? r : best));
}

function candidateOf(r: Run, chosen: Run): IdentityCandidate {
  const note = r === chosen ? 'CHOSEN_LOWEST_PATIENT_SHARE' : r.patientShare.equals(chosen.patientShare) ? 'TIE_LOWER_PRECEDENCE' : 'HIGHER_PATIENT_SHARE';
  return { category: r.category, patientShare: r.patientShare, fundTotal: r.fundTotal, note };
}

/**
 * Settles under every valid identity and as ordinary, keeping the lowest patient share.
 * `only` restricts the candidates to one category (null = ordinary): the what-if used
 * by tests and ops to see a single identity's figures.
 */
function settleCandidates(input: SettleInput, only?: { category: string | null }): Settlement {
  validateBill(input.bill);
  const { bill, policy: pack, person, ledger, settlementDate } = input;
  if (!isCalendarDate(settlementDate)) throw new DomainError('BILL_BAD_DATE', `settlement date is not a calendar date from 2000 to 2200: ${JSON.stringify(settlementDate)}`, { date: settlementDate });
  const date = decidingDate(bill, settlementDate, pack.decidingDate);
  const year = policyYearOf(date);
  checkApplicable(input, date, year);
  const split = splitBill(bill, pack);
  const screen = screenIdentities(person, pack, date);
  const categories = only === undefined ? [...screen.valid, null] : [only.category];
  const runs = categories.map((c) => runAs(input, split, date, c));
  const chosen = choose(runs);
  const settlement: Settlement = {
    policy: { id: pack.id, region: pack.region, version: pack.version },
    decidingDate: date,
    policyYear: year,
    split,
    layers: chosen.layers.map(withExplanation),
    fundTotal: chosen.fundTotal,
    patientShare: chosen.patientShare,
    identity: { used: chosen.category, considered: runs.map((r) => candidateOf(r, chosen)), ignored: screen.ignored },
    ledgerBefore: ledger,
    ledgerAfter: chosen.ledgerAfter,
    warnings: [],
  };
  settlement.warnings = settlementWarnings(settlement, pack, bill.hospital.level);
  assertInvariants(settlement);
  return settlement;
}

/** The one-stop settlement of a bill (pure). */
export function settle(input: SettleInput): Settlement {
  return settleCandidates(input);
}

/** What-if: the settlement under exactly one category (null = ordinary), whatever the person holds. */
export function settleAs(input: SettleInput, category: string | null): Settlement {
  return settleCandidates(input, { category });
}

export { validateBill };
