import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A font file every checkout has (pdf.js, a dev dependency, ships it) with glyphs the
 * bundled Noto Sans SC lacks: Latin Extended-A (Ł, Š, ź …), as in a foreign resident's
 * name. The production fallbacks (HanaMinA/B for CJK Extensions B–F) come from a Debian
 * package and are not on every machine the suite runs on.
 */
export const LATIN_FALLBACK = path.join(path.dirname(fileURLToPath(import.meta.resolve('pdfjs-dist/legacy/build/pdf.mjs'))), '..', '..', 'standard_fonts', 'LiberationSans-Regular.ttf');

/**
 * The same font as a WOFF 1.0 file (tables stored uncompressed, which the format allows):
 * a web font a deployer might point SLIP_FALLBACK_FONTS at by mistake.
 */
export function woffOf(sfnt: Buffer): Buffer {
  const numTables = sfnt.readUInt16BE(4);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const rec = 12 + 16 * i;
    return { tag: sfnt.readUInt32BE(rec), checksum: sfnt.readUInt32BE(rec + 4), data: sfnt.subarray(sfnt.readUInt32BE(rec + 8), sfnt.readUInt32BE(rec + 8) + sfnt.readUInt32BE(rec + 12)) };
  });
  const pad = (n: number) => (n + 3) & ~3;
  const header = Buffer.alloc(44 + 20 * numTables);
  let offset = header.length;
  tables.forEach((tb, i) => {
    const e = 44 + 20 * i;
    header.writeUInt32BE(tb.tag, e);
    header.writeUInt32BE(offset, e + 4);
    header.writeUInt32BE(tb.data.length, e + 8); // compLength = origLength: stored as is
    header.writeUInt32BE(tb.data.length, e + 12);
    header.writeUInt32BE(tb.checksum, e + 16);
    offset += pad(tb.data.length);
  });
  header.write('wOFF', 0, 'latin1');
  header.writeUInt32BE(sfnt.readUInt32BE(0), 4);
  header.writeUInt32BE(offset, 8);
  header.writeUInt16BE(numTables, 12);
  header.writeUInt32BE(12 + 16 * numTables + tables.reduce((n, tb) => n + pad(tb.data.length), 0), 16);
  header.writeUInt16BE(1, 20);
  return Buffer.concat([header, ...tables.map((tb) => Buffer.concat([tb.data, Buffer.alloc(pad(tb.data.length) - tb.data.length)]))]);
}
