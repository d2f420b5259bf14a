// Read-only documents holding a trace as the CLI prints it, in the `irqlens-trace` language (syntaxes/), opened from
// the panel's "Show trace as text" button. A content provider's documents cannot be edited or saved.
import * as vscode from 'vscode';
import type { TraceView } from '../../../server/src/protocol/flowMessages';

export const traceScheme = 'irqlens-trace';
export const traceLanguage = 'irqlens-trace';

export class TraceDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(traceScheme, this);
  private serial = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? `(this trace is no longer available; run the simulation again)\n`;
  }

  /** Opens `trace.text` beside the current editor; each call gets its own document. */
  async open(trace: TraceView): Promise<vscode.TextEditor> {
    const name = `${trace.flow}-from-${trace.from}`.replace(/[^\w.+-]/g, '_');
    const uri = vscode.Uri.from({ scheme: traceScheme, path: `/${name}.irqtrace`, query: String(++this.serial) });
    this.texts.set(uri.toString(), trace.text);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== traceLanguage) doc = await vscode.languages.setTextDocumentLanguage(doc, traceLanguage);
    return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }

  dispose(): void {
    this.registration.dispose();
    this.texts.clear();
  }
}
