// Turns what a reviewer hands us into patch mails: an mbox (mboxo or mboxrd, optionally gzip-compressed) split by
// node-mbox and each message decoded by postal-mime (headers, encoded-word subjects, quoted-printable/base64 bodies,
// patches sent as text attachments); a single mail; or a bare diff. Nothing here understands diffs.

import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import PostalMime, { decodeWords } from 'postal-mime';
// node-mbox ships no types. Its Mbox transform takes lines and emits one Buffer per message; we feed it the lines
// ourselves (its MboxStream helper splits with line-stream, which uses the deprecated `new Buffer`).
type MboxClass = new (opts?: { includeMboxHeader?: boolean }) => Transform;
let mboxClass: MboxClass | undefined;
/** Loaded on first use: only mailbox inputs need it. */
function Mbox(): MboxClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (mboxClass ??= (require('node-mbox') as { Mbox: MboxClass }).Mbox);
}

export interface PatchMail {
  /** 1-based position in the input. */
  index: number;
  subject: string;
  author?: string;
  date?: string;
  /** The text that holds the diff (the mail body, or the patch attachment). */
  text: string;
}

export interface SplitResult {
  mails: PatchMail[];
  /** Input-level problems (garbage before the first message, an undecodable mail …), each naming the bad part. */
  problems: string[];
}

export class BadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}

/** Largest uncompressed input we read: far above a 30-patch series, well under memory trouble. */
const MAX_INPUT_BYTES = 512 * 1024 * 1024;

function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** The whole input as bytes, gunzipped when it is gzip data (by its magic, whatever the file name). */
export function inputBytes(buf: Buffer): Buffer {
  if (!isGzip(buf)) return buf;
  try {
    return zlib.gunzipSync(buf, { maxOutputLength: MAX_INPUT_BYTES });
  } catch (e) {
    throw new BadInputError(`gzip data could not be decompressed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** mboxrd: a body line `>From ` (any number of `>`) was escaped once by the writer; take one `>` off. For mboxo files
 *  this also turns a genuine `>From ` line into `From `, which only ever occurs in prose, never in a diff line. */
export function unescapeMboxrd(text: string): string {
  return text.replace(/^>(>*From )/gm, '$1');
}

const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]*:[ \t]/;

/** A mail without the mbox `From ` line: starts with header lines and has a blank line before the body. */
function looksLikeMail(text: string): boolean {
  const head = text.slice(0, 4096);
  const lines = head.split(/\r?\n/, 40);
  if (!HEADER_LINE.test(lines[0] ?? '')) return false;
  return lines.some((l) => l === '') && lines.some((l) => /^(Subject|From|Date):/i.test(l));
}

/** The header block of a mail, unfolded, by lower-case name (first occurrence), and where the body starts. */
function headerBlock(text: string): { headers: Map<string, string>; bodyAt: number } | undefined {
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return undefined;
  const headers = new Map<string, string>();
  for (const line of text.slice(0, end).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m && !headers.has(m[1].toLowerCase())) headers.set(m[1].toLowerCase(), m[2]);
  }
  return { headers, bodyAt: end + (text[end] === '\r' ? 4 : 2) };
}

/**
 * b4 hands an external check the message with its headers as they were but its body already decoded, so a
 * `Content-Transfer-Encoding: quoted-printable` or `base64` header can sit above plain text. Decoding it again would
 * corrupt the patch: base64 never holds a diff header line, and quoted-printable never holds a `=` that does not start
 * an escape or a soft line break.
 */
function decodedAlready(body: string, cte: string): boolean {
  if (!/^(diff --git |--- \S)/m.test(body)) return false;
  if (cte === 'base64') return true;
  if (cte === 'quoted-printable') return /=(?![0-9A-F]{2}|\r?\n)/.test(body);
  return false;
}

/** A plain UTF-8/ASCII text mail with an 8-bit body (what git send-email writes) needs no MIME decoding: its body is
 *  the patch as is, and only the encoded words of its headers are decoded. Everything else goes to postal-mime. */
function plainMail(raw: Buffer, index: number): PatchMail | undefined {
  const text = raw.toString('utf8');
  const h = headerBlock(text);
  if (!h) return undefined;
  const type = (h.headers.get('content-type') ?? 'text/plain').toLowerCase();
  const cte = (h.headers.get('content-transfer-encoding') ?? '8bit').toLowerCase().trim();
  if (!type.startsWith('text/plain') || !(['7bit', '8bit', 'binary'].includes(cte) || decodedAlready(text.slice(h.bodyAt), cte))) return undefined;
  const charset = /charset="?([^";\s]+)/.exec(type)?.[1];
  if (charset && !/^(utf-?8|us-ascii)$/.test(charset)) return undefined;
  const subject = decodeWords(h.headers.get('subject') ?? '').replace(/\s+/g, ' ').trim();
  const from = h.headers.get('from');
  return { index, subject: subject || `(mail ${index} has no subject)`, ...(from ? { author: decodeWords(from).trim() } : {}), ...(h.headers.get('date') ? { date: h.headers.get('date') } : {}), text: text.slice(h.bodyAt) };
}

async function decodeMail(raw: Buffer, index: number): Promise<PatchMail> {
  const plain = plainMail(raw, index);
  if (plain) return plain;
  const email = await PostalMime.parse(raw);
  let text = email.text ?? '';
  // A patch attached as text (git send-email --attach, mail clients): review the attachment.
  if (!/^(diff --git |--- |Index: )/m.test(text)) {
    for (const a of email.attachments) {
      const content = typeof a.content === 'string' ? (a.encoding === 'base64' ? Buffer.from(a.content, 'base64').toString('utf8') : a.content) : Buffer.from(a.content as ArrayBuffer).toString('utf8');
      if (/^(diff --git |--- )/m.test(content)) {
        text = content;
        break;
      }
    }
  }
  const author = email.from ? ('address' in email.from && email.from.address ? `${email.from.name ? `${email.from.name} ` : ''}<${email.from.address}>` : email.from.name) : undefined;
  return { index, subject: (email.subject ?? '').replace(/\s+/g, ' ').trim() || `(mail ${index} has no subject)`, author, date: email.date, text };
}

/** The lines of a buffer, each with its `\n`. */
function* lines(bytes: Buffer): Generator<Buffer> {
  let start = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, start)) {
    yield bytes.subarray(start, i + 1);
    start = i + 1;
  }
  if (start < bytes.length) yield bytes.subarray(start);
}

/** Splits mbox bytes into raw messages (without their `From ` separator line). */
function splitMbox(bytes: Buffer): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const MboxTransform = Mbox();
    const stream = new MboxTransform({ includeMboxHeader: false });
    stream.on('data', (m: Buffer) => out.push(m));
    stream.on('error', (e: Error) => reject(e.message === 'NOT_AN_MBOX_FILE' ? new BadInputError('not an mbox: the first line is not a "From " separator') : e));
    stream.on('end', () => resolve(out));
    // Written synchronously line by line: each write runs the transform at once, with no stream round trip per line.
    for (const line of lines(bytes)) stream.write(line);
    stream.end();
  });
}

/**
 * Splits an input into patch mails. `name` is used for the subject of a bare diff. Every input decodes to at least one
 * mail or throws BadInputError with a one-line reason.
 */
export async function splitInput(buf: Buffer, name: string): Promise<SplitResult> {
  const bytes = inputBytes(buf);
  if (bytes.length > MAX_INPUT_BYTES) throw new BadInputError(`input is ${(bytes.length / 1048576).toFixed(0)} MB, above the ${MAX_INPUT_BYTES / 1048576} MB limit`);
  if (bytes.length === 0) throw new BadInputError(`${name} is empty`);
  if (bytes.subarray(0, 8192).includes(0)) throw new BadInputError(`${name} is binary data, not a patch or a mailbox`);
  const problems: string[] = [];
  let start = 0;
  const head = bytes.subarray(0, 5).toString('latin1');
  if (head !== 'From ') {
    const text = bytes.toString('utf8');
    // A bare diff (git diff, quilt) or one mail: no mbox separator at the top.
    const firstSep = text.search(/^From \S+ /m);
    const firstDiff = text.search(/^(diff --git |--- \S)/m);
    if (looksLikeMail(text)) return { mails: [await decodeMail(bytes, 1)], problems };
    if (firstSep < 0 || (firstDiff >= 0 && firstDiff < firstSep)) {
      if (firstDiff < 0) throw new BadInputError(`${name} holds no diff and no mail`);
      return { mails: [{ index: 1, subject: name, text }], problems };
    }
    // Text before the first separator: not part of any message.
    problems.push(`${Buffer.byteLength(text.slice(0, firstSep))} bytes before the first "From " line were not part of any mail and were skipped`);
    start = Buffer.byteLength(text.slice(0, firstSep));
  }
  const raws = await splitMbox(bytes.subarray(start));
  const mails: PatchMail[] = [];
  for (const [i, raw] of raws.entries()) {
    const body = Buffer.from(unescapeMboxrd(raw.toString('utf8')), 'utf8');
    try {
      mails.push(await decodeMail(body, i + 1));
    } catch (e) {
      problems.push(`mail ${i + 1} could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (mails.length === 0) throw new BadInputError(`${name}: no mail could be read`);
  return { mails, problems };
}

/** `[PATCH v2 3/5] x86/irq: …` → number 3 of 5 and the subject without the tag. */
export function subjectNumber(subject: string): { n: number; of: number } | undefined {
  const m = /^\s*\[[^\]]*?\b(\d+)\/(\d+)\]/.exec(subject);
  return m ? { n: Number(m[1]), of: Number(m[2]) } : undefined;
}
