// Fuzz: random LSP message sequences sent raw over stdio to the built server (requests of every handled method with
// well-formed, malformed and missing params, out-of-order initialize/shutdown, notifications, garbage framed and not).
// Crash: the server exits. Hang: a request unanswered within the limit. Wrong answer: an error that is not one of the
// protocol's codes, or an internal error (-32603) text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { buildOnce, copyFixture, repoRoot, uri } from '../server/serverClient';
import { seeded, type Rng } from '../models/seededRandom';
import { clean, counts, LONG, report } from './fuzzCounts';

const METHODS = [
  'textDocument/definition', 'textDocument/declaration', 'textDocument/references', 'textDocument/hover',
  'textDocument/prepareCallHierarchy', 'textDocument/documentSymbol', 'callHierarchy/incomingCalls',
  'callHierarchy/outgoingCalls', 'workspace/symbol', 'irqlens/reindex', 'initialize', 'shutdown', 'no/such/method',
];
const NOTIFICATIONS = ['textDocument/didOpen', 'textDocument/didChange', 'textDocument/didClose', 'initialized', '$/cancelRequest', 'workspace/didChangeConfiguration'];
const GARBAGE = [
  'garbage without header\r\n\r\n', 'no newline', '\r\n', 'Content-Length: x\r\n\r\n', 'Content-Type: a\r\n\r\n',
  `Content-Length: ${2 ** 40}\r\n\r\n`, '\u0000\u00ff'.repeat(50), 'Content-Length: 5\r\n\r\n{"a":', 'x'.repeat(9000),
  frame('{ not json'), frame('[]'), frame('null'), frame('{"jsonrpc":"2.0"}'), frame('{"jsonrpc":"2.0","id":1e400,"method":"shutdown"}'),
];
const ALLOWED = new Set([-32600, -32601, -32602, -32002, -32800, -32801]);

function params(rng: Rng, file: string): unknown {
  const good = { textDocument: { uri: uri(file), text: 'int f(void) { g(); }\n', version: 2, languageId: 'c' }, position: { line: rng.int(0, 40), character: rng.int(0, 30) }, query: rng.pick(['', 'ack', 'evtchn_2l_set_pending', 'x'.repeat(300)]), item: { name: 'f', uri: uri(file), kind: 12, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, selectionRange: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } }, contentChanges: [{ text: 'int h;\n' }], context: { includeDeclaration: true }, capabilities: {}, processId: null, rootUri: null, settings: {} };
  const r = rng.int(0, 9);
  if (r === 0) return null;
  if (r === 1) return rng.pick([1, 'x', [], true]);
  if (r <= 3) {
    const copy: Record<string, unknown> = structuredClone(good);
    const k = rng.pick(Object.keys(copy));
    copy[k] = rng.pick([null, 1, 'x', [], {}, { uri: 5 }, { line: -1, character: 1.5 }]);
    return copy;
  }
  return good;
}

function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

void test('fuzz: random LSP message sequences keep the server alive and answering with protocol errors only', { timeout: LONG ? 3_600_000 : 300_000 }, async (t) => {
  buildOnce();
  const c = counts('server');
  const rng = seeded(2026);
  const ws = copyFixture();
  const file = path.join(ws.workspace, 'xen', 'xen', 'common', 'event_2l.c');
  const sessions = LONG ? 50 : 3;
  const perSession = LONG ? 150 : 40;
  try {
    for (let s = 0; s < sessions; s++) {
      const proc = spawn(process.execPath, [path.join(repoRoot, 'out', 'server.js'), '--stdio'], { cwd: repoRoot, stdio: 'pipe' });
      let exited = false;
      proc.on('exit', () => (exited = true));
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
      const answers = () => {
        const got = new Map<number, { error?: { code: number; message: string } }>();
        for (const part of out.split(/Content-Length: \d+\r\n\r\n/)) {
          if (!part) continue;
          try {
            const m = JSON.parse(part) as { id?: number; error?: { code: number; message: string }; method?: string };
            if (typeof m.id === 'number' && !m.method) got.set(m.id, m);
          } catch {
            // A partial frame still arriving.
          }
        }
        return got;
      };
      /** What the server logged (window/logMessage), for a hang's report. */
      const serverLog = () =>
        out
          .split(/Content-Length: \d+\r\n\r\n/)
          .map((part) => /"method":"window\/logMessage".*"message":"((?:[^"\\]|\\.)*)"/.exec(part)?.[1]?.slice(0, 200))
          .filter((m): m is string => m !== undefined);
      const sent: number[] = [];
      /** What each request was, and what came before it, for the failure message. */
      const log: string[] = [];
      // Most sessions start properly so the handlers are reached; some start with anything.
      if (rng.bool(0.8)) {
        proc.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { processId: null, rootUri: uri(ws.workspace), capabilities: {}, initializationOptions: { storagePath: ws.storage } } })));
        proc.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', method: 'initialized', params: {} })));
        sent.push(0);
      }
      for (let i = 1; i <= perSession; i++) {
        c.tried++;
        const r = rng.int(0, 9);
        if (r === 0) {
          // Framed bodies that are no message, and unframed bytes: the server resynchronises on the next header, so
          // every request after them must still be answered.
          proc.stdin.write(rng.pick(GARBAGE));
          log[i] = '(garbage)';
        }
        else if (r <= 2) {
          const method = rng.pick(NOTIFICATIONS);
          proc.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', method, params: params(rng, file) })));
          log[i] = `(${method})`;
        }
        else {
          const method = rng.pick(METHODS);
          proc.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: i, method, params: params(rng, file) })));
          sent.push(i);
          log[i] = method;
        }
      }
      // Wait for every request's answer (or the server's end).
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !exited && sent.some((id) => !answers().has(id))) await new Promise((res) => setTimeout(res, 100));
      const got = answers();
      if (exited && sent.some((id) => !got.has(id))) {
        // An exit is right only after shutdown + exit, which this fuzzer never sends together.
        c.crashes.push(`session ${s}: the server exited`);
      } else {
        for (const id of sent) {
          const a = got.get(id);
          if (!a) c.hangs.push(`session ${s}: request ${id} (${log[id] ?? 'initialize'}) unanswered; sequence: ${log.filter(Boolean).join(' ')}; the server's last log lines: ${serverLog().slice(-8).join(' | ')}`);
          else if (a.error && (!ALLOWED.has(a.error.code) || /TypeError|Cannot read|undefined/.test(a.error.message))) c.wrong.push(`session ${s}: request ${id}: ${a.error.code} ${a.error.message.slice(0, 200)}`);
        }
      }
      proc.kill();
    }
  } finally {
    ws.cleanup();
  }
  t.diagnostic(report(c).split('\n')[0]);
  assert.ok(clean(c), report(c));
});
