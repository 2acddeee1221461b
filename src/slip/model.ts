/*
 * What a settlement slip (结算单) shows, and nothing else. The renderers (text, HTML,
 * PDF) take only this value, so personal data reaches them already masked and every
 * amount is the settlement's own decimal string: a renderer never computes money.
 */

/** One fund's row (one setldetail line). */
export interface SlipFundRow {
  /** Fund name as the pack names it, e.g. 基本医保统筹基金. */
  name: string;
  /** National fund type code (fund_pay_type), e.g. 390100. */
  fundCode: string;
  /** Amount this fund paid, decimal string with two places. */
  amount: string;
  /** The short explanation a cashier can read (结算过程信息). */
  explanation: string;
}

/** One line of the person's annual accumulators after this settlement. */
export interface SlipLedgerLine {
  label: string;
  /** A decimal string for money (with unit 元 added by renderers when `money`), or a count. */
  value: string;
  money: boolean;
}

export interface SlipReversal {
  /** The reversal's own reference (its settlement number or id). */
  reference: string;
  /** When it was reversed, "YYYY-MM-DD HH:mm:ss" Beijing time. */
  reversedAt: string;
}

export interface SlipBill {
  /** 医疗费总额 medfee_sumamt */
  total: string;
  /** 全自费 fulamt_ownpay_amt */
  fullySelfPaid: string;
  /** 超限价自费 overlmt_selfpay */
  overLimit: string;
  /** 乙类先行自付 preselfpay_amt */
  preSelfPay: string;
  /** 政策范围内 inscp_scp_amt */
  inScope: string;
}

export interface SlipData {
  hospital: { name: string; code: string };
  settlement: {
    id: string;
    /** The number printed for people (结算单号). */
    number: string;
    /** "YYYY-MM-DD HH:mm:ss" Beijing time. */
    settledAt: string;
  };
  patient: {
    /** Masked name, see maskName in ./mask.ts (张*三). */
    name: string;
    /** Masked ID-card number, see maskIdNumber in ./mask.ts (330302********1234). */
    idNumber: string;
  };
  /** Chinese label of the category the settlement used (人员类别), 普通参保人员 for none. */
  categoryLabel: string;
  /** 住院 or 门诊慢特病. */
  visitTypeLabel: string;
  admissionDate: string;
  dischargeDate: string;
  bill: SlipBill;
  funds: SlipFundRow[];
  /** 基金支付合计 fund_pay_sumamt */
  fundTotal: string;
  /** 个人支付 psn_part_amt */
  patientPays: string;
  /** patientPays in Chinese capital numerals (大写). */
  patientPaysDaxie: string;
  /** Annual accumulators after this settlement, e.g. 本年度医疗救助剩余额度. */
  ledgerAfter: SlipLedgerLine[];
  /** Set when the settlement has been reversed (已撤销). */
  reversal: SlipReversal | null;
  /** What the QR code encodes: the settlement id, so a scanner finds the stored settlement. */
  qrPayload: string;
}

/** Labels shared by every format, so the three never drift apart. */
export const LABELS = {
  title: '医疗费用一站式结算单',
  hospital: '医疗机构',
  hospitalCode: '机构编码',
  settlementNumber: '结算单号',
  settledAt: '结算时间',
  patientName: '患者姓名',
  idNumber: '身份证号',
  category: '人员类别',
  visitType: '就诊类型',
  admission: '入院日期',
  discharge: '出院日期',
  billHeading: '费用构成',
  total: '医疗费总额',
  fullySelfPaid: '全自费',
  overLimit: '超限价自费',
  preSelfPay: '乙类先行自付',
  inScope: '政策范围内费用',
  fundsHeading: '各项基金支付',
  fundTotal: '基金支付合计',
  patientPays: '个人支付',
  daxie: '大写',
  ledgerHeading: '本年度累计（本次结算后）',
  reversed: '已撤销',
  reversalReference: '撤销单号',
  reversedAt: '撤销时间',
  settlementId: '结算编号',
  yuan: '元',
} as const;
