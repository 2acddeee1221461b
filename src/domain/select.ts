import { DomainError } from './errors.js';
import type { Bill, IsoDate } from './types.js';
import type { PolicyPack } from '../policies/types.js';

/*
 * Which pack version governs a settlement. The insured region's policy applies
 * wherever the patient is treated (参保地待遇). A region without its own pack falls
 * back to its prefecture, then its province, then the national baseline (000000).
 */

export type DecidingDateRule = PolicyPack['decidingDate'];

/** The date that decides identity and policy: discharge or settlement, as the pack says. */
export function decidingDate(bill: Pick<Bill, 'dischargeDate'>, settlementDate: IsoDate, rule: DecidingDateRule): IsoDate {
  return rule === 'discharge' ? bill.dischargeDate : settlementDate;
}

/** Policy years are calendar years of the deciding date. */
export function policyYearOf(date: IsoDate): number {
  return Number(date.slice(0, 4));
}

/**
 * The policy year of a bill before its person (and so its pack) is known, when every
 * pack that could apply agrees: discharge and settlement in the same year, or every
 * loaded pack deciding by the same date (all bundled packs decide by the discharge
 * date). Null otherwise: the year is known once the pack is chosen.
 */
export function certainYear(packs: readonly Pick<PolicyPack, 'decidingDate'>[], dischargeDate: IsoDate, settlementDate: IsoDate): number | null {
  const byDischarge = policyYearOf(dischargeDate);
  const bySettlement = policyYearOf(settlementDate);
  if (byDischarge === bySettlement) return byDischarge;
  if (packs.every((p) => p.decidingDate === 'discharge')) return byDischarge;
  if (packs.every((p) => p.decidingDate === 'settlement')) return bySettlement;
  return null;
}

export function regionFallbacks(region: string): string[] {
  const chain = [region, `${region.slice(0, 4)}00`, `${region.slice(0, 2)}0000`, '000000'];
  return chain.filter((r, i) => chain.indexOf(r) === i);
}

export function inForce(pack: PolicyPack, date: IsoDate): boolean {
  return pack.effectiveFrom <= date && (pack.effectiveTo === null || date <= pack.effectiveTo);
}

/**
 * The pack of the nearest region in the fallback chain in force on its own deciding
 * date; if two versions overlap, the later effectiveFrom wins (a replacement).
 */
export function selectPolicy(packs: PolicyPack[], region: string, bill: Bill, settlementDate: IsoDate): PolicyPack {
  for (const r of regionFallbacks(region)) {
    const hits = packs
      .filter((p) => p.region === r && inForce(p, decidingDate(bill, settlementDate, p.decidingDate)))
      .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1));
    if (hits.length > 0) return hits[0]!;
  }
  throw new DomainError('NO_POLICY_FOR_DATE', `no policy pack for region ${region} on discharge ${bill.dischargeDate} / settlement ${settlementDate}`, {
    region,
    dischargeDate: bill.dischargeDate,
    settlementDate,
  });
}
