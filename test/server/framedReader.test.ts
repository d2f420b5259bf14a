// The server's frame reader: messages split anywhere across chunks are read whole; garbage before, between and inside
// frames (no header, a header without Content-Length, a body that is not JSON, a huge Content-Length) is skipped up to
// the next valid header, reported once per run with its byte offset, and the messages after it are all delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { FramedStreamReader, type StreamGarbage } from '../../server/src/lsp/framedReader';

function frame(body: unknown): string {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

function reader(): { r: FramedStreamReader; got: unknown[]; garbage: StreamGarbage[] } {
  const got: unknown[] = [];
  const garbage: StreamGarbage[] = [];
  const r = new FramedStreamReader(new PassThrough(), (g) => garbage.push(g));
  r.listen((m) => got.push(m));
  return { r, got, garbage };
}

const msg = (id: number) => ({ jsonrpc: '2.0', id, method: 'workspace/symbol', params: { query: 'é ü' } });

void test('frames split at every byte are read whole', () => {
  const { r, got, garbage } = reader();
  const bytes = Buffer.from(frame(msg(1)) + frame(msg(2)), 'utf8');
  for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
  assert.deepEqual(got, [msg(1), msg(2)]);
  assert.deepEqual(garbage, []);
});

void test('garbage before, between and after messages is reported once per run with its offset, and reading resumes', () => {
  const { r, got, garbage } = reader();
  // Each part, and where in it a garbage report must point (null: a valid message).
  const parts: [string, number | null][] = [
    ['garbage without header\r\n\r\n', 0],
    [frame(msg(1)), null],
    ['no newline at all', 0],
    [frame(msg(2)), null],
    ['Content-Type: text/plain\r\n\r\n', 0],
    [frame(msg(3)), null],
    // A frame whose body is not JSON is reported at its body.
    [frame('{ not json'), frame('{ not json').indexOf('{')],
    [frame(msg(4)), null],
    [frame('[1, 2]'), frame('[1, 2]').indexOf('[')],
    [frame(msg(8)), null],
    [`Content-Length: ${2 ** 40}\r\n\r\n`, 0],
    // Two bad frames in a row are one run: reported once.
    [frame('{ not json either'), null],
    [frame(msg(5)), null],
    ['x'.repeat(20_000), 0],
    [frame(msg(6)), null],
  ];
  const stream = Buffer.from(parts.map(([p]) => p).join(''), 'utf8');
  // Delivered in odd-sized chunks, so a header is sometimes cut in the middle.
  for (let i = 0; i < stream.length; i += 7) r.push(stream.subarray(i, i + 7));
  assert.deepEqual(got, [msg(1), msg(2), msg(3), msg(4), msg(8), msg(5), msg(6)], 'every valid message after garbage is read');
  const expected: number[] = [];
  let at = 0;
  for (const [p, bad] of parts) {
    if (bad !== null) expected.push(at + bad);
    at += Buffer.byteLength(p);
  }
  assert.deepEqual(garbage.map((g) => g.offset), expected, JSON.stringify(garbage, null, 1));
  assert.match(garbage[0].reason, /not a header line|without a Content-Length/);
  assert.match(garbage[0].preview, /^garbage/, 'the first bytes of the run are quoted');
  assert.match(garbage[2].reason, /without Content-Length/);
  assert.match(garbage[3].reason, /not JSON/);
  assert.match(garbage[4].reason, /not a JSON object/);
  assert.match(garbage[5].reason, /over the .* limit/);
});

void test('a stream of garbage without any header is one report, and memory stays bounded', () => {
  const { r, got, garbage } = reader();
  const chunk = Buffer.from('noise '.repeat(10_000));
  for (let i = 0; i < 200; i++) r.push(chunk);
  assert.equal(garbage.length, 1);
  assert.equal(garbage[0].offset, 0);
  assert.ok((r as unknown as { buffer: Buffer }).buffer.length < 100, 'garbage is not kept');
  r.push(Buffer.from(frame(msg(7))));
  assert.deepEqual(got, [msg(7)]);
});

void test('a message the layer above throws on does not stop the frames behind it', () => {
  const got: unknown[] = [];
  const errors: string[] = [];
  const r = new FramedStreamReader(new PassThrough(), () => undefined);
  r.onError((e) => errors.push(e.message));
  r.listen((m) => {
    if ((m as { id?: number }).id === 1) throw new TypeError('boom');
    got.push(m);
  });
  r.push(Buffer.from(frame(msg(1)) + frame(msg(2)) + frame(msg(3))));
  assert.deepEqual(got, [msg(2), msg(3)]);
  assert.deepEqual(errors, ['boom']);
});
