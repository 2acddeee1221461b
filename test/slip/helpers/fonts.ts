import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A font file every checkout has (pdf.js, a dev dependency, ships it) with glyphs the
 * bundled Noto Sans SC lacks: Latin Extended-A (Ł, Š, ź …), as in a foreign resident's
 * name. The production fallbacks (HanaMinA/B for CJK Extensions B–F) come from a Debian
 * package and are not on every machine the suite runs on.
 */
export const LATIN_FALLBACK = path.join(path.dirname(fileURLToPath(import.meta.resolve('pdfjs-dist/legacy/build/pdf.mjs'))), '..', '..', 'standard_fonts', 'LiberationSans-Regular.ttf');
