import type { SlipData } from '../../../src/slip/model.js';

/** A slip as a low-income (低保) inpatient would get it: three funds, assistance limit left. */
export function sampleSlip(overrides: Partial<SlipData> = {}): SlipData {
  return {
    hospital: { name: '温州市第一人民医院', code: 'H33030200001' },
    settlement: { id: 'stl_01JD8X2K7Q4M9T6V3B5N1C0P8R', number: 'JS202611230001', settledAt: '2026-11-23 10:15:42' },
    patient: { name: '张*三', idNumber: '330302********1234' },
    categoryLabel: '低保对象',
    visitTypeLabel: '住院',
    admissionDate: '2026-11-02',
    dischargeDate: '2026-11-20',
    bill: {
      total: '38652.47',
      fullySelfPaid: '1203.50',
      overLimit: '86.00',
      preSelfPay: '2140.36',
      inScope: '35222.61',
    },
    funds: [
      { name: '基本医保统筹基金', fundCode: '390100', amount: '24655.83', explanation: '起付线800.00元，政策范围内34422.61元按70%支付，未达年度封顶线。' },
      { name: '大病保险', fundCode: '390200', amount: '3183.27', explanation: '本年累计基数12566.78元，扣除起付线8000.00元后按60%支付（低保起付线减半、比例提高5个百分点）。' },
      { name: '医疗救助', fundCode: '610100', amount: '5224.04', explanation: '政策范围内个人负担按70%救助，本年度剩余额度24775.96元。' },
    ],
    fundTotal: '33063.14',
    patientPays: '5589.33',
    patientPaysDaxie: '伍仟伍佰捌拾玖元叁角叁分',
    ledgerAfter: [
      { label: '本年度住院次数', value: '2', money: false },
      { label: '本年度基本医保统筹基金累计支付', value: '41233.90', money: true },
      { label: '本年度医疗救助剩余额度', value: '24775.96', money: true },
    ],
    reversal: null,
    qrPayload: 'stl_01JD8X2K7Q4M9T6V3B5N1C0P8R',
    ...overrides,
  };
}

/** Every amount the slip carries, as printed. */
export function slipAmounts(d: SlipData): string[] {
  return [
    d.bill.total, d.bill.fullySelfPaid, d.bill.overLimit, d.bill.preSelfPay, d.bill.inScope,
    ...d.funds.map((f) => f.amount), d.fundTotal, d.patientPays,
    ...d.ledgerAfter.filter((l) => l.money).map((l) => l.value),
  ];
}

/** The longest slip we expect at a counter: five funds with long explanations, reversed. */
export function fullSlip(): SlipData {
  const base = sampleSlip();
  return sampleSlip({
    hospital: { name: '浙江省温州市瓯海区第三人民医院（温州医科大学附属医院瓯海分院）', code: 'H33030400017' },
    categoryLabel: '防止返贫监测对象（易返贫致贫人口）',
    funds: [
      ...base.funds,
      { name: '倾斜救助', fundCode: '610200', amount: '1200.00', explanation: '规范转诊的低保对象，医疗救助后个人负担超过起付线1000.00元的部分按60%再救助，单次限额1200.00元，已达单次限额。' },
      { name: '低收入农户医疗补充保险', fundCode: '620100', amount: '356.78', explanation: '补充保险按政策范围内个人负担的50%赔付，本年度剩余额度8643.22元。' },
    ],
    fundTotal: '34619.92',
    patientPays: '4032.55',
    patientPaysDaxie: '肆仟零叁拾贰元伍角伍分',
    reversal: { reference: 'CX202611240003', reversedAt: '2026-11-24 09:00:00' },
  });
}
