import t from 'tap';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { esc, renderSlipHtml } from '../../src/slip/html.js';
import { ensureChromium, launchChromium } from './helpers/chromium.js';
import { fullSlip, sampleSlip, slipAmounts } from './helpers/fixture.js';

/** A5 at CSS 96 dpi: 148 mm × 210 mm. */
const A5_PX = { width: Math.round((148 / 25.4) * 96), height: Math.round((210 / 25.4) * 96) };

t.test('text is escaped', async (t) => {
  t.equal(esc(`<b>"&'`), '&lt;b&gt;&quot;&amp;&#39;');
  const html = renderSlipHtml(sampleSlip({ hospital: { name: '<script>alert(1)</script>医院', code: 'H"1' } }));
  t.notMatch(html, '<script>');
  t.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;医院');
  t.match(html, '@page { size: A5');
});

t.test('the page carries every amount, the 大写 and the QR code; reversal marks only when reversed', async (t) => {
  const d = sampleSlip();
  const html = renderSlipHtml(d);
  for (const amount of slipAmounts(d)) t.match(html, new RegExp(`[> ]${amount.replace('.', '\\.')}(元)?<`), `amount ${amount} whole in its cell`);
  t.match(html, d.patientPaysDaxie);
  t.match(html, /<svg[^>]*viewBox="0 0 \d+ \d+"/);
  t.notMatch(html, '已撤销');
  const rev = renderSlipHtml(fullSlip());
  t.match(rev, 'class="stamp"');
  t.match(rev, 'class="watermark"');
  t.match(rev, 'CX202611240003');
});

/**
 * Browser-side script (a string: this project's TypeScript has no DOM types) giving the
 * share of dark pixels in a PNG, decoded by the browser itself.
 */
function darkShare(b64: string): string {
  return `(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${b64}';
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 384) n++;
    return n / (c.width * c.height);
  })()`;
}

const reason = ensureChromium();
t.test('rendered in headless Chromium: non-blank, amounts visible, one A5 page', { skip: reason ?? false }, async (t) => {
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  for (const [name, d] of [['ordinary', sampleSlip()], ['reversed, five funds', fullSlip()]] as const) {
    const page = await browser.newPage({ viewport: A5_PX });
    await page.setContent(renderSlipHtml(d), { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });

    const visible = (await page.evaluate('document.body.innerText')) as string;
    for (const amount of slipAmounts(d)) t.ok(visible.includes(amount), `${name}: ${amount} visible`);
    t.equal(visible.includes('已撤销'), d.reversal !== null, `${name}: 已撤销 mark as expected`);

    // Non-blank: count dark pixels of the screenshot, decoded by the browser itself.
    const png = await page.screenshot({ fullPage: true });
    const dark = (await page.evaluate(darkShare(png.toString('base64')))) as number;
    t.ok(dark > 0.02 && dark < 0.6, `${name}: screenshot has content (${(dark * 100).toFixed(1)}% dark pixels)`);

    // Fits A5: the printed PDF has exactly one page.
    const pdf = await page.pdf({ format: 'A5', printBackground: true, preferCSSPageSize: true });
    const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false }).promise;
    t.equal(doc.numPages, 1, `${name}: prints on one A5 page`);
    const size = (await doc.getPage(1)).view;
    t.ok(Math.abs(size[2]! - 419.5) < 2 && Math.abs(size[3]! - 595.3) < 2, `${name}: page is A5 (${size.join(' ')})`);
    await doc.destroy();
    await page.close();
  }
});
if (reason) console.log(`# chromium test skipped: ${reason}`);
