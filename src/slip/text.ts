import { LABELS as L, type SlipData } from './model.js';
import { center, flatten, padEnd, textWidth, wrap } from './width.js';

/*
 * The slip as fixed-width text for receipt (48 columns, 80 mm paper) and dot-matrix
 * (80 columns) printers. Han characters take two columns (see ./width.ts). Every line
 * is built to fit: labels and explanations wrap, amounts are never cut, and a final
 * check refuses to return a line wider than the paper.
 */

export const TEXT_WIDTHS = [48, 80] as const;
export type TextWidth = (typeof TEXT_WIDTHS)[number];
/** Narrowest paper the layout supports (the widest amount and its label still fit). */
const MIN_WIDTH = 32;

class Lines {
  readonly out: string[] = [];
  constructor(readonly width: number) {}

  rule(ch: '=' | '-'): void {
    this.out.push(ch.repeat(this.width));
  }

  centered(s: string): void {
    for (const line of wrap(s, this.width)) this.out.push(center(line, this.width));
  }

  /** "label：value", the value wrapping under itself. */
  field(label: string, value: string): void {
    const head = `${label}：`;
    const indent = textWidth(head);
    wrap(value, this.width - indent).forEach((line, i) => {
      this.out.push((i === 0 ? head : ' '.repeat(indent)) + line);
    });
  }

  /** Two fields side by side on wide paper when both fit in half the width, else one per line. */
  fields(a: [string, string], b: [string, string]): void {
    // Side by side the values are not wrapped (which flattens them), so flatten here:
    // a control character from the registry must never reach the printer.
    a = [a[0], flatten(a[1])];
    b = [b[0], flatten(b[1])];
    const half = Math.floor(this.width / 2);
    const fits = (f: [string, string]) => textWidth(`${f[0]}：${f[1]}`) < half;
    if (this.width < 80 || !fits(a) || !fits(b)) {
      this.field(...a);
      this.field(...b);
      return;
    }
    this.out.push(padEnd(`${a[0]}：${a[1]}`, half) + `${b[0]}：${b[1]}`);
  }

  /** Label on the left, amount right-aligned on the first line; the label wraps if long. */
  amount(label: string, amount: string, indent = 0): void {
    const room = this.width - indent - textWidth(amount) - 1;
    const pad = ' '.repeat(indent);
    // The amount goes on the label's last line, so it is read with the whole label
    // (…统筹基金 / 剩余额度 293717.50, not …统筹基金 293717.50 / 剩余额度).
    const lines = wrap(label, room);
    lines.forEach((line, i) => {
      this.out.push(i === lines.length - 1 ? pad + padEnd(line, room) + ' ' + amount : pad + line);
    });
  }

  /** Free text indented by `indent` columns, wrapped. */
  para(s: string, indent: number): void {
    for (const line of wrap(s, this.width - indent)) this.out.push(' '.repeat(indent) + line);
  }

  heading(title: string, right = ''): void {
    this.out.push(right ? padEnd(title, this.width - textWidth(right)) + right : title);
  }
}

function header(b: Lines, d: SlipData): void {
  b.rule('=');
  b.centered(d.hospital.name);
  b.centered(L.title);
  if (d.reversal) b.centered(`****** ${L.reversed} ******`);
  b.rule('=');
  b.fields([L.settlementNumber, d.settlement.number], [L.hospitalCode, d.hospital.code]);
  b.field(L.settledAt, d.settlement.settledAt);
  if (d.reversal) b.fields([L.reversalReference, d.reversal.reference], [L.reversedAt, d.reversal.reversedAt]);
  b.fields([L.patientName, d.patient.name], [L.idNumber, d.patient.idNumber]);
  b.fields([L.category, d.categoryLabel], [L.visitType, d.visitTypeLabel]);
  b.fields([L.admission, d.admissionDate], [L.discharge, d.dischargeDate]);
}

function money(b: Lines, d: SlipData): void {
  b.rule('-');
  b.heading(L.billHeading, '金额(元)');
  b.amount(L.total, d.bill.total);
  b.amount(L.fullySelfPaid, d.bill.fullySelfPaid, 2);
  b.amount(L.overLimit, d.bill.overLimit, 2);
  b.amount(L.preSelfPay, d.bill.preSelfPay, 2);
  b.amount(L.inScope, d.bill.inScope, 2);
  b.rule('-');
  b.heading(L.fundsHeading, '金额(元)');
  for (const f of d.funds) {
    b.amount(`${f.name}(${f.fundCode})`, f.amount);
    if (f.explanation) b.para(f.explanation, 2);
  }
  b.amount(L.fundTotal, d.fundTotal);
  b.rule('=');
  b.amount(`${L.patientPays}(元)`, d.patientPays);
  b.field(L.daxie, d.patientPaysDaxie);
  b.rule('=');
}

function footer(b: Lines, d: SlipData): void {
  if (d.ledgerAfter.length > 0) {
    b.heading(L.ledgerHeading);
    for (const l of d.ledgerAfter) b.amount(l.label, l.money ? `${l.value}${L.yuan}` : l.value, 2);
    b.rule('-');
  }
  b.field(L.settlementId, d.qrPayload);
  if (d.reversal) b.centered(`本结算已撤销，撤销单号 ${d.reversal.reference}`);
  b.centered('请核对金额，妥善保管');
}

/** Renders the slip at `width` columns; lines end with "\n". */
export function renderSlipText(d: SlipData, width: number = 48): string {
  if (!Number.isInteger(width) || width < MIN_WIDTH) throw new RangeError(`text slip width must be an integer ≥ ${MIN_WIDTH}`);
  const b = new Lines(width);
  header(b, d);
  money(b, d);
  footer(b, d);
  const lines = b.out.map((l) => l.trimEnd());
  const wide = lines.find((l) => textWidth(l) > width);
  // Unreachable by construction; kept because an over-long line garbles a whole receipt.
  if (wide !== undefined) throw new Error(`slip line wider than ${width} columns: ${wide}`);
  return lines.join('\n') + '\n';
}
