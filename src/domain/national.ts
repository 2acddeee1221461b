import { fmt, sum, ZERO } from './money.js';
import type { Settlement } from './types.js';
import type { NationalWire } from './wire-schema.js';

/** What the layers paid under one national field (module-level: see precise() in validate.ts). */
function paidTo(s: Settlement, field: string) {
  return sum(s.layers.filter((l) => l.nationalField === field).map((l) => l.paid));
}

/*
 * The national platform's view (domain.md §4) of the same numbers: nothing here is
 * computed afresh except sums of the layers by their national field.
 */
export function nationalView(s: Settlement): NationalWire {
  const basic = s.layers.find((l) => l.layer === 'basic');
  return {
    medfee_sumamt: fmt(s.split.total),
    fulamt_ownpay_amt: fmt(s.split.fullySelfPaid),
    overlmt_selfpay: fmt(s.split.overLimit),
    preselfpay_amt: fmt(s.split.preSelfPay),
    inscp_scp_amt: fmt(s.split.inScope),
    act_pay_dedc: fmt(basic?.deductibleApplied ?? ZERO),
    hifp_pay: fmt(paidTo(s, 'hifp_pay')),
    hifmi_pay: fmt(paidTo(s, 'hifmi_pay')),
    maf_pay: fmt(paidTo(s, 'maf_pay')),
    oth_pay: fmt(paidTo(s, 'oth_pay')),
    fund_pay_sumamt: fmt(s.fundTotal),
    psn_part_amt: fmt(s.patientShare),
    setldetail: s.layers.map((l) => ({
      fund_pay_type: l.fundCode,
      inscp_scp_amt: fmt(l.base),
      crt_payb_lmt_amt: l.limitAfter === null ? null : fmt(l.limitAfter),
      fund_payamt: fmt(l.paid),
      setl_proc_info: l.explanation,
    })),
  };
}
