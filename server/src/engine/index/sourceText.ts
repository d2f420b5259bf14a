// A source file's bytes as text, the one way every reader of files decodes them (the index, references, reviews,
// contracts), so that offsets found by one are offsets for all.
import { isAscii, isUtf8 } from 'node:buffer';

/**
 * The text of UTF-8 bytes as a fatal TextDecoder gives it (a leading byte-order mark dropped), or undefined when they
 * are not UTF-8. ASCII bytes, most C files, are copied into a one-byte string without decoding.
 */
export function decodeSource(buf: Buffer): string | undefined {
  if (isAscii(buf)) return buf.toString('latin1');
  if (!isUtf8(buf)) return undefined;
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  return buf.toString('utf8', bom);
}

/** The text of a file's bytes: UTF-8, or Latin-1 when they are not UTF-8 (older trees hold a few such files). */
export function sourceText(buf: Buffer): string {
  return decodeSource(buf) ?? buf.toString('latin1');
}
