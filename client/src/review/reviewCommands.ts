// The review commands: a patch file (.patch, .diff, .mbox, .mbox.gz), the working tree, or a commit range, sent to the
// server's irqlens/review and shown in the review panel.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReviewRequest } from '../../../server/src/protocol/reviewMessages';
import { ReviewPanel } from './reviewPanel';

async function run(client: LanguageClient | undefined, params: ReviewRequest.Params): Promise<void> {
  if (!client) return;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'IRQ Lens: reviewing…' }, () => client.sendRequest(ReviewRequest.type, params));
  if (r.error || !r.review) {
    void vscode.window.showErrorMessage(`IRQ Lens review: ${r.error ?? 'no result'}`);
    return;
  }
  ReviewPanel.show(r.review, r.markdown ?? '');
}

/** "Review patch file…": a .patch, .diff, .mbox or .mbox.gz picked from disk. */
export async function reviewPatchFile(client: LanguageClient | undefined): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Review', filters: { Patches: ['patch', 'diff', 'mbox', 'gz', 'eml'], 'All files': ['*'] } });
  if (!picked?.[0]) return;
  let bytes = fs.readFileSync(picked[0].fsPath);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
  await run(client, { text: bytes.toString('utf8'), name: picked[0].path.split('/').pop() });
}

/** "Review working-tree changes": the unstaged changes of the first tree's git checkout. */
export function reviewWorkingTree(client: LanguageClient | undefined): Promise<void> {
  return run(client, { workingTree: { index: false } });
}

/** "Review commit range…": the commits of a range, as git format-patch gives them. */
export async function reviewCommitRange(client: LanguageClient | undefined): Promise<void> {
  const range = await vscode.window.showInputBox({ prompt: 'Commit range to review (git format-patch syntax)', placeHolder: 'origin/master..HEAD', validateInput: (v) => (v.trim() && !v.startsWith('-') ? undefined : 'a range such as HEAD~3..HEAD') });
  if (range) await run(client, { gitRange: range.trim() });
}
