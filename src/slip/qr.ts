import QRCode from 'qrcode';

/*
 * The slip's QR code, computed once as a module matrix so that HTML (inline SVG) and
 * PDF (vector squares) draw the same symbol synchronously. Error correction M is what
 * receipt scanners read reliably on thermal paper; a 4-module quiet zone is the
 * standard's minimum.
 */

export const QR_QUIET_ZONE = 4;

export interface QrMatrix {
  /** Modules per side, without the quiet zone. */
  size: number;
  dark(row: number, col: number): boolean;
}

export function qrMatrix(payload: string): QrMatrix {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  return { size: modules.size, dark: (row, col) => modules.get(row, col) === 1 };
}

/** Dark modules as horizontal runs [row, col, length], so drawing needs few shapes. */
export function qrRuns(m: QrMatrix): Array<[number, number, number]> {
  const runs: Array<[number, number, number]> = [];
  for (let row = 0; row < m.size; row++) {
    let col = 0;
    while (col < m.size) {
      if (!m.dark(row, col)) { col++; continue; }
      const start = col;
      while (col < m.size && m.dark(row, col)) col++;
      runs.push([row, start, col - start]);
    }
  }
  return runs;
}

/** An inline SVG (one path, crisp edges, no text of the payload in it) sized by CSS. */
export function qrSvg(payload: string): string {
  const m = qrMatrix(payload);
  const side = m.size + 2 * QR_QUIET_ZONE;
  const d = qrRuns(m)
    .map(([row, col, len]) => `M${col + QR_QUIET_ZONE} ${row + QR_QUIET_ZONE}h${len}v1h-${len}z`)
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges" aria-hidden="true">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`
  );
}
