import { Money, fmt } from './money.js';
import type { HospitalLevel, Settlement, Warning } from './types.js';
import type { PolicyPack } from '../policies/types.js';

/*
 * Warnings the documents ask the settlement system to raise. They never change money:
 * LARGE_EXPENSE (Wenzhou's 大额医疗费用预警) when the patient's annual catalog burden is
 * above the pack threshold; OUT_OF_CATALOG_RATIO when out-of-catalog spending passes the
 * pack's share for the hospital level (Hebei: 10% at level 2 and above);
 * STALE_INCOME_BASE when the critical-illness deductible is a share of "last year's"
 * income and the pack's figure is older than the settlement's policy year asks for
 * (Wenzhou: 50% of the previous year's per-capita disposable income, 001 三(四)).
 */
export function settlementWarnings(s: Settlement, pack: PolicyPack, level: HospitalLevel): Warning[] {
  const out: Warning[] = [];
  const threshold = pack.warnings.largeExpenseThreshold;
  if (threshold !== null && s.ledgerAfter.patientInScopeBurden.greaterThan(threshold)) {
    out.push({
      code: 'LARGE_EXPENSE',
      message: `年度个人负担${fmt(s.ledgerAfter.patientInScopeBurden)}元已超过大额费用预警线${fmt(new Money(threshold))}元`,
      details: { burden: fmt(s.ledgerAfter.patientInScopeBurden), threshold: fmt(new Money(threshold)), crossedNow: String(s.ledgerBefore.patientInScopeBurden.lessThanOrEqualTo(threshold)) },
    });
  }
  const maxShare = pack.warnings.outOfCatalogShareMaxByLevel[String(level) as '1' | '2' | '3'];
  if (maxShare !== null && s.split.total.greaterThan(0)) {
    const share = s.split.outOfCatalog.dividedBy(s.split.total);
    if (share.greaterThan(maxShare)) {
      out.push({
        code: 'OUT_OF_CATALOG_RATIO',
        message: `目录外费用占比${share.times(100).toDecimalPlaces(2).toString()}%超过${new Money(maxShare).times(100).toString()}%控制线`,
        details: { share: share.toDecimalPlaces(4).toString(), max: maxShare, outOfCatalog: fmt(s.split.outOfCatalog) },
      });
    }
  }
  const d = pack.criticalIllness.deductible;
  const year = s.ledgerAfter.year;
  if (d.kind === 'income_share' && d.incomeYear !== undefined && year - 1 > d.incomeYear) {
    out.push({
      code: 'STALE_INCOME_BASE',
      message: `大病保险起付线按${d.incomeYear}年居民人均可支配收入${fmt(new Money(d.incomePrevYear))}元计算；${year}年度应按${year - 1}年数据，须发布新的政策版本`,
      details: { incomeYear: String(d.incomeYear), policyYear: String(year), incomePrevYear: fmt(new Money(d.incomePrevYear)) },
    });
  }
  return out;
}
