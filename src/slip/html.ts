import { LABELS as L, type SlipData } from './model.js';
import { qrSvg } from './qr.js';

/*
 * The slip as a print-ready A5 HTML page. Self-contained: inline CSS and an inline SVG
 * QR code, no script, no external resource, so it prints the same from a browser, a
 * kiosk or a saved file. Amounts are large and bold for elderly patients; a reversed
 * settlement carries a red 已撤销 stamp, a diagonal watermark and the reversal reference.
 * Every piece of text goes through `esc`.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const CSS = `
@page { size: A5 portrait; margin: 7mm 8mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: #fff; color: #000; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "WenQuanYi Micro Hei", "SimHei",
  "SimSun-ExtB", "SimSun-ExtG", "HanaMinA", "HanaMinB", "BabelStone Han", sans-serif; font-size: 9.5pt; line-height: 1.25; }
.page { width: 132mm; margin: 0 auto; position: relative; }
@media screen { .page { margin: 7mm auto; } }
header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 2px solid #000; padding-bottom: 1mm; }
header h1 { font-size: 13.5pt; margin: 0; line-height: 1.2; }
header h2 { font-size: 11.5pt; margin: 0.5mm 0 0; font-weight: 600; }
.qr { width: 20mm; text-align: center; font-size: 6.5pt; word-break: break-all; }
.qr svg { width: 20mm; height: 20mm; display: block; }
dl.info { display: grid; grid-template-columns: 16mm 1fr 16mm 1fr; gap: 0 2mm; margin: 1.2mm 0; }
dl.info dt { color: #333; }
dl.info dd { margin: 0; font-weight: 600; word-break: break-all; }
h3 { font-size: 10pt; margin: 1.4mm 0 0.4mm; border-left: 3px solid #000; padding-left: 1.5mm; }
table { width: 100%; border-collapse: collapse; }
td, th { padding: 0.4mm 1mm; vertical-align: top; text-align: left; }
th { font-weight: 600; border-bottom: 1px solid #000; font-size: 9pt; }
.amt { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; font-weight: 700; font-size: 11.5pt; }
.split td { border-bottom: 1px dotted #999; }
.split .sub td:first-child, .split .sub td:nth-child(3) { padding-left: 4mm; }
.split .sub td { font-size: 9pt; }
.split .sub .amt { font-size: 10.5pt; }
.funds td { border-bottom: 1px dotted #999; }
.funds .code { color: #333; font-size: 8.5pt; }
.funds .why { font-size: 8pt; color: #222; line-height: 1.2; }
.total td { border-top: 1px solid #000; border-bottom: none; font-weight: 700; }
.pays { margin-top: 2mm; border: 2px solid #000; padding: 1mm 3mm 1.5mm; }
.pays .line { display: flex; justify-content: space-between; align-items: baseline; }
.pays .label { font-size: 13pt; font-weight: 700; }
.pays .figure { font-size: 22pt; font-weight: 800; font-variant-numeric: tabular-nums; }
.pays .daxie { font-size: 12pt; font-weight: 700; }
.ledger td { font-size: 8.5pt; padding: 0.2mm 1mm; }
.ledger .amt { font-size: 9.5pt; }
footer { margin-top: 1.5mm; border-top: 1px solid #000; padding-top: 1mm; font-size: 8.5pt; display: flex; justify-content: space-between; }
.reversed-banner { margin: 1.5mm 0 0; padding: 0.8mm 2mm; border: 2px solid #c00; color: #c00; font-weight: 700; font-size: 9.5pt; }
.stamp { flex: none; align-self: center; margin: 0 3mm; border: 3px solid #c00; color: #c00; font-size: 20pt; font-weight: 800;
  padding: 0 1.5mm 0 3mm; transform: rotate(-12deg); letter-spacing: 1.5mm; white-space: nowrap; }
header .id { flex: 1; }
.watermark { position: absolute; top: 70mm; left: 0; width: 132mm; text-align: center; font-size: 80pt; font-weight: 800;
  color: rgba(204, 0, 0, 0.13); transform: rotate(-30deg); pointer-events: none; letter-spacing: 8mm; }
`;

function info(d: SlipData): string {
  const pairs: Array<[string, string]> = [
    [L.settlementNumber, d.settlement.number], [L.settledAt, d.settlement.settledAt],
    [L.patientName, d.patient.name], [L.idNumber, d.patient.idNumber],
    [L.category, d.categoryLabel], [L.visitType, d.visitTypeLabel],
    [L.admission, d.admissionDate], [L.discharge, d.dischargeDate],
  ];
  return `<dl class="info">${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function bill(d: SlipData): string {
  const b = d.bill;
  const cell = (label: string, amount: string) => `<td>${esc(label)}</td><td class="amt">${esc(amount)}</td>`;
  return `<h3>${esc(L.billHeading)}（元）</h3><table class="split"><tbody>
<tr><td colspan="3">${esc(L.total)}</td><td class="amt">${esc(b.total)}</td></tr>
<tr class="sub">${cell(L.fullySelfPaid, b.fullySelfPaid)}${cell(L.overLimit, b.overLimit)}</tr>
<tr class="sub">${cell(L.preSelfPay, b.preSelfPay)}${cell(L.inScope, b.inScope)}</tr>
</tbody></table>`;
}

function funds(d: SlipData): string {
  const rows = d.funds
    .map(
      (f) => `<tr><td>${esc(f.name)} <span class="code">${esc(f.fundCode)}</span>` +
        (f.explanation ? `<div class="why">${esc(f.explanation)}</div>` : '') +
        `</td><td class="amt">${esc(f.amount)}</td></tr>`,
    )
    .join('\n');
  return `<h3>${esc(L.fundsHeading)}（元）</h3><table class="funds"><tbody>
${rows}
<tr class="total"><td>${esc(L.fundTotal)}</td><td class="amt">${esc(d.fundTotal)}</td></tr>
</tbody></table>`;
}

function pays(d: SlipData): string {
  return `<section class="pays"><div class="line"><span class="label">${esc(L.patientPays)}</span>` +
    `<span class="figure">¥ ${esc(d.patientPays)}</span></div>` +
    `<div class="daxie">${esc(L.daxie)}：${esc(d.patientPaysDaxie)}</div></section>`;
}

function ledger(d: SlipData): string {
  if (d.ledgerAfter.length === 0) return '';
  const rows = d.ledgerAfter
    .map((l) => `<tr><td>${esc(l.label)}</td><td class="amt">${esc(l.value)}${l.money ? esc(L.yuan) : ''}</td></tr>`)
    .join('');
  return `<h3>${esc(L.ledgerHeading)}</h3><table class="ledger"><tbody>${rows}</tbody></table>`;
}

function reversal(d: SlipData): string {
  if (!d.reversal) return '';
  return `<div class="watermark" aria-hidden="true">${esc(L.reversed)}</div>` +
    `<div class="reversed-banner" role="alert">本结算${esc(L.reversed)}　${esc(L.reversalReference)}：${esc(d.reversal.reference)}` +
    `　${esc(L.reversedAt)}：${esc(d.reversal.reversedAt)}</div>`;
}

/** Renders the slip as a complete HTML document (UTF-8). */
export function renderSlipHtml(d: SlipData): string {
  const title = `${d.hospital.name} ${L.title} ${d.settlement.number}${d.reversal ? `（${L.reversed}）` : ''}`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body${d.reversal ? ' class="reversed"' : ''}><main class="page">
<header><div class="id"><h1>${esc(d.hospital.name)}</h1><h2>${esc(L.title)}</h2>
<div>${esc(L.hospitalCode)}：${esc(d.hospital.code)}</div></div>
${d.reversal ? `<div class="stamp" aria-hidden="true">${esc(L.reversed)}</div>` : ''}
<div class="qr" role="img" aria-label="${esc(`${L.settlementId} ${d.qrPayload}`)}">${qrSvg(d.qrPayload)}</div></header>
${reversal(d)}${info(d)}${bill(d)}${funds(d)}${pays(d)}${ledger(d)}
<footer><span>${esc(L.settlementId)}：${esc(d.qrPayload)}</span><span>请核对金额，妥善保管</span></footer>
</main></body></html>
`;
}
