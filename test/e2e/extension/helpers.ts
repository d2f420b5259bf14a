// Shared by the extension-host suites: the extension's API, the sample workspace's files, and waiting on real signals.
import * as vscode from 'vscode';
import type { IrqLensApi } from '../../../client/src/extension';

export async function api(): Promise<IrqLensApi> {
  const ext = vscode.extensions.getExtension<IrqLensApi>('irqlens.irqlens');
  if (!ext) throw new Error('extension irqlens.irqlens is not installed');
  return ext.isActive ? ext.exports : ext.activate();
}

/** A file of the sample workspace, by workspace folder name and path below it. */
export function sampleFile(folder: string, rel: string): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.find((w) => w.name === folder);
  if (!f) throw new Error(`no workspace folder named ${folder}`);
  return vscode.Uri.joinPath(f.uri, rel);
}

/** Polls `probe` until it returns a value (not undefined/false), or fails with what it last saw. */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The position of the first `text` in a document. */
export function positionOf(doc: vscode.TextDocument, text: string, nth = 0): vscode.Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = doc.getText().indexOf(text, at + 1);
    if (at < 0) throw new Error(`${doc.uri.path}: "${text}" not found`);
  }
  return doc.positionAt(at);
}

/** Waits until the index is ready (the status item shows the trees, no spinner). */
export async function indexReady(): Promise<IrqLensApi> {
  const a = await api();
  await until('the index to be ready', () => /^\$\(pulse\) IRQ Lens: .*xen/.test(a.status.text) && a.status.text);
  return a;
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}
