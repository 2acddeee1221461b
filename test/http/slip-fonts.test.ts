import t from 'tap';
import { buildApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config.js';
import { syntheticIdCard } from '../../src/services/id-card.js';
import { testApp } from '../helpers/app.js';
import { bill } from '../helpers/fixtures.js';
import { LATIN_FALLBACK } from '../slip/helpers/fonts.js';

/*
 * SLIP_FALLBACK_FONTS end to end: the PDF slip of a person whose name has characters the
 * bundled CJK font lacks. The production fallbacks (HanaMinA/B) are a Debian package; the
 * suite uses a Latin font every checkout has, which covers Š but not CJK Extension B.
 */

const lines: string[] = [];
const ctx = await testApp(t, { config: { SLIP_FALLBACK_FONTS: LATIN_FALLBACK }, logStream: { write: (line: string) => void lines.push(line) } });
const { call, db } = ctx;

await db.insertInto('persons').values([
  { id: 'P-LATIN', name: 'Šimek', id_card: syntheticIdCard(901), insured_region: '330300', scheme: 'urban_rural_resident' },
  // Masked on the slip as 张*𡒄: the first and last characters stay, the last from CJK Extension B.
  { id: 'P-RARE', name: '张三𡒄', id_card: syntheticIdCard(902), insured_region: '330300', scheme: 'urban_rural_resident' },
]).execute();

async function slipOf(personId: string) {
  const created = await call('POST', '/v1/settlements', { body: bill({ personId }), key: `k-font-${personId}` });
  t.equal(created.statusCode, 201, `settled for ${personId}`);
  const id = created.json().id as string;
  lines.length = 0;
  const r = await call('GET', `/v1/settlements/${id}/slip?format=pdf`);
  return { id, r, logs: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

t.test('a name the fallback font draws: embedded, nothing logged', async (t) => {
  const { r, logs } = await slipOf('P-LATIN');
  t.equal(r.statusCode, 200);
  t.match(r.rawPayload.toString('latin1'), /\/BaseFont\s*\/[A-Z]{6}\+LiberationSans/);
  t.same(logs.filter((l) => l.level === 40), [], 'no warning');
});

t.test('a character no font has: the slip is still answered, and the log names its code point, never the name', async (t) => {
  const { id, r, logs } = await slipOf('P-RARE');
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-type'], 'application/pdf');
  const warnings = logs.filter((l) => l.level === 40);
  t.equal(warnings.length, 1);
  t.same(warnings[0]!.missingGlyphs, ['U+21484']);
  t.equal(warnings[0]!.settlementId, id);
  t.match(String(warnings[0]!.msg), /SLIP_FALLBACK_FONTS/);
  const all = lines.join('\n');
  t.notMatch(all, '𡒄', 'the character itself is not logged');
  t.notMatch(all, '张', 'nor any part of the name');
  // The HTML and text slips are drawn by the browser's and the printer's fonts: no warning there.
  lines.length = 0;
  t.equal((await call('GET', `/v1/settlements/${id}/slip?format=html`)).statusCode, 200);
  t.same(lines.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level === 40), []);
});

t.test('a fallback font that cannot be read stops the app from being built, naming the file', async (t) => {
  const config = loadConfig({}, { SLIP_FALLBACK_FONTS: `${LATIN_FALLBACK}, fonts/missing.ttf` });
  await t.rejects(buildApp({ config, db, logger: false }), { name: 'FallbackFontError', message: /cannot read \/.+\/fonts\/missing\.ttf \(ENOENT\)/ });
});
