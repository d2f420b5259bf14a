// The language server's review: the irqlens/review request, diagnostics on an open .patch document (on the changed
// line, related information at the contract's site) and the step lenses on its file and hunk headers.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { CodeLens, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { ReviewRequest } from '../../server/src/protocol/reviewMessages';
import { hangGuardMs, ServerClient, uri } from '../server/serverClient';
import { editDiff, FIXTURES, mail, replaceOnce } from './patchKit';

let server: ServerClient;
let workspace: string;
const diagnostics: PublishDiagnosticsParams[] = [];
const waiting: (() => void)[] = [];

/** The first non-empty diagnostics published for `u` (the server client's waitFor only wakes on its own messages). */
function diagnosticsFor(u: string): Promise<PublishDiagnosticsParams> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no diagnostics for ${u} within 60 s`)), 60_000);
    const check = () => {
      const hit = diagnostics.find((d) => d.uri === u && d.diagnostics.length > 0);
      if (!hit) return false;
      clearTimeout(timer);
      resolve(hit);
      return true;
    };
    if (!check()) waiting.push(() => void check());
  });
}
const E2L = 'xen/common/event_2l.c';
const broken = () => mail('[PATCH] xen/evtchn: no mask test', editDiff(path.join(FIXTURES, 'xen'), E2L, replaceOnce(/ +if \( !guest_test_bit\(d, port, &shared_info\(d, evtchn_mask\)\) &&\n {9}/, '    if ( ')));

before(async () => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-review-ws-'));
  fs.cpSync(FIXTURES, workspace, { recursive: true });
  server = await ServerClient.start({ workspace, storage: path.join(workspace, '.storage') });
  server.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    diagnostics.push(p);
    for (const w of waiting) w();
  });
  await server.waitReady();
}, { timeout: hangGuardMs });

after(async () => {
  assert.equal(await server?.stop(), 0);
  fs.rmSync(workspace, { recursive: true, force: true });
}, { timeout: hangGuardMs });

void test('irqlens/review returns the JSON review and its Markdown; bad input is one line', async () => {
  const r = await server.request<ReviewRequest.Result>('irqlens/review', { text: broken(), name: 'p.patch' });
  assert.ok(r.review, r.error);
  assert.ok(r.review.patches[0].findings.some((f) => f.rule === 'X1.6-mask-test' && f.severity === 'error'));
  assert.match(r.markdown ?? '', /X1\.6-mask-test/);
  const bad = await server.request<ReviewRequest.Result>('irqlens/review', { text: 'hello\n' });
  assert.match(bad.error ?? '', /holds no diff/);
});

void test('an open .patch gets a diagnostic on its changed line with the contract site, and step lenses', async () => {
  const file = path.join(workspace, 'mask.patch');
  const text = broken();
  fs.writeFileSync(file, text);
  await server.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'diff', version: 1, text } });
  const pub = await diagnosticsFor(uri(file));
  const d = pub.diagnostics.find((x) => x.code === 'X1.6-mask-test');
  assert.ok(d, JSON.stringify(pub.diagnostics));
  const line = text.split('\n')[d.range.start.line];
  assert.match(line, /^[-+]/, `the diagnostic sits on a changed line: ${line}`);
  assert.ok(d.relatedInformation?.[0].location.uri.endsWith('/xen/xen/common/event_2l.c'));
  const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(file) } });
  assert.ok(lenses.some((l) => /X1 X1\.6 evtchn_2l_set_pending/.test(l.command?.title ?? '') && l.command?.command === 'irqlens.simulateFromHere'), JSON.stringify(lenses));
});
