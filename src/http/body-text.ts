import { AppError } from './errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request body as UTF-8 text, refusing bytes that are not UTF-8 (a GBK body, say)
 * instead of storing U+FFFD in their place. A leading BOM is dropped.
 */
export function utf8Body(body: Buffer, code: 'MALFORMED_JSON' | 'MALFORMED_CSV'): string {
  try {
    return UTF8.decode(body);
  } catch {
    // The first offending byte, for the message: where the lenient decoding first put U+FFFD.
    const lenient = body.toString('utf8');
    const at = Buffer.byteLength(lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD'))));
    throw new AppError(code, `the body is not UTF-8: byte ${at} starts no UTF-8 character (was it sent in GBK?); send it in UTF-8`, { byte: at });
  }
}
