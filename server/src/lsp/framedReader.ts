// Reads LSP frames (`Content-Length: N\r\n` [more `Name: value\r\n` headers] `\r\n` then N bytes of JSON) from a byte
// stream, and resynchronises after garbage. vscode-jsonrpc's stream reader stops at the first bad header and reads
// nothing after it: one stray line on stdin wedged the server. Here bytes that do not start a valid header (or a body
// that is not a JSON object) are skipped up to the next `Content-Length:`, and each such run is reported once, with
// its offset in the stream, so nothing that follows is lost or silently swallowed.
import { AbstractMessageReader, Disposable, type DataCallback, type Message, type MessageReader } from 'vscode-languageserver/node';

/** A run of bytes that were no LSP message. */
export interface StreamGarbage {
  /** Byte offset of the run's first byte in the stream. */
  offset: number;
  /** Why it is no message. */
  reason: string;
  /** The run's first bytes, printable (for the log). */
  preview: string;
}

/** A header block longer than this is garbage (real ones are under 100 bytes). */
const MAX_HEADER_BYTES = 8 * 1024;
/** A body longer than this is refused without being buffered (a 5 MB document is a normal message). */
export const MAX_CONTENT_LENGTH = 256 * 1024 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
/** Where a frame can start again (header names are case-insensitive). */
const RESYNC = /content-length:/i;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function preview(bytes: Buffer): string {
  const text = bytes.subarray(0, 40).toString('latin1').replace(/[^\x20-\x7e]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '?'));
  return bytes.length > 40 ? `${text}…` : text;
}

/** Whether `text` (no header end in it yet) can still become a header block: complete lines `Name: value`, then a partial one. */
function couldBeHeader(text: string): boolean {
  const lines = text.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const last = i === lines.length - 1;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line.replace(/\r$/, '') : line.slice(0, colon);
    if (colon < 0 && !last) return false;
    if (name !== '' && !TOKEN.test(name)) return false;
    if (name === '' && !(last && colon < 0)) return false;
    if (line.slice(colon + 1).includes('\n')) return false;
  }
  return true;
}

type Header = { length: number } | { error: string };

function parseHeader(block: string): Header {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) return { error: `not a header line: "${line.slice(0, 60)}"` };
    if (line.slice(0, colon).toLowerCase() !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,15}$/.test(value)) return { error: `Content-Length is not a number: "${value.slice(0, 40)}"` };
    length = Number(value);
  }
  if (length === undefined) return { error: 'a header without Content-Length' };
  if (length > MAX_CONTENT_LENGTH) return { error: `Content-Length ${length} is over the ${MAX_CONTENT_LENGTH}-byte limit` };
  return { length };
}

export class FramedStreamReader extends AbstractMessageReader implements MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Stream offset of buffer[0]. */
  private offset = 0;
  /** Length of the body expected next (its header read), or -1 while a header is expected. */
  private bodyLength = -1;
  /** True while skipping a run of garbage (reported when it started). */
  private skipping = false;
  private callback: DataCallback | undefined;

  constructor(
    private readonly stream: NodeJS.ReadableStream,
    private readonly onGarbage: (g: StreamGarbage) => void,
  ) {
    super();
    stream.on('error', (e: Error) => this.fireError(e));
    stream.on('end', () => this.fireClose());
    stream.on('close', () => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (d: Buffer | string) => this.push(typeof d === 'string' ? Buffer.from(d, 'utf8') : d);
    this.stream.on('data', onData);
    return Disposable.create(() => {
      this.stream.off('data', onData);
      this.callback = undefined;
    });
  }

  /** Bytes from the stream (also called directly by tests). */
  push(data: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    for (;;) {
      if (this.bodyLength >= 0) {
        if (this.buffer.length < this.bodyLength) return;
        const start = this.offset;
        const body = this.take(this.bodyLength);
        this.bodyLength = -1;
        this.deliver(body, start);
        continue;
      }
      if (!this.readHeader()) return;
    }
  }

  /** Reads one header block at the front of the buffer; false when more bytes are needed. */
  private readHeader(): boolean {
    if (this.buffer.length === 0) return false;
    const end = this.buffer.indexOf(HEADER_END);
    const head = this.buffer.subarray(0, end < 0 ? Math.min(this.buffer.length, MAX_HEADER_BYTES + 4) : end).toString('latin1');
    if (end < 0) {
      if (this.buffer.length <= MAX_HEADER_BYTES && couldBeHeader(head)) return false;
      return this.resync(this.buffer.length > MAX_HEADER_BYTES ? 'a header longer than 8 KiB' : 'bytes without a Content-Length header');
    }
    if (end > MAX_HEADER_BYTES) return this.resync('a header longer than 8 KiB');
    const header = parseHeader(head);
    if ('error' in header) return this.resync(header.error);
    this.take(end + HEADER_END.length);
    this.bodyLength = header.length;
    return true;
  }

  /** Skips garbage at the front of the buffer up to the next `Content-Length:`; false when none is in the buffer yet. */
  private resync(reason: string): boolean {
    this.report(this.buffer, reason);
    // Search from the second byte: the front itself was just found to be no valid header.
    const text = this.buffer.subarray(1).toString('latin1');
    const m = RESYNC.exec(text);
    if (m) {
      this.take(1 + m.index);
      return true;
    }
    // Keep a tail that may be the start of a header split across chunks.
    this.take(Math.max(0, this.buffer.length - 'content-length:'.length));
    return false;
  }

  private deliver(body: Buffer, start: number): void {
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch (e) {
      this.report(body, `a frame whose body is not JSON (${(e as Error).message})`, start);
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.report(body, 'a frame whose body is not a JSON object', start);
      return;
    }
    // A message ends the run of garbage: the next bad bytes are a new run, reported again.
    this.skipping = false;
    try {
      this.callback?.(message as Message);
    } catch (e) {
      // A message the layers above could not take must not stop the frames already buffered behind it from being read.
      this.fireError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** One report per run of garbage (bytes and bad frames up to the next message delivered). */
  private report(bytes: Buffer, reason: string, at = this.offset): void {
    if (this.skipping) return;
    this.skipping = true;
    this.onGarbage({ offset: at, reason, preview: preview(bytes) });
  }

  private take(n: number): Buffer {
    const head = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    this.offset += n;
    return head;
  }
}
