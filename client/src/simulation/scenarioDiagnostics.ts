// A scenario file that fails validation gets its error in the Problems panel, on the named field's line when the
// server knows it (else on the first line); a run that succeeds clears it.
import * as vscode from 'vscode';

export class ScenarioDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('irqlens-scenario');

  /** `line` is 0-based, as every position in the protocol. */
  report(uri: vscode.Uri, error: string, field?: string, line?: number): vscode.Diagnostic {
    const at = line !== undefined && Number.isInteger(line) && line >= 0 ? line : 0;
    const range = new vscode.Range(at, 0, at, Number.MAX_SAFE_INTEGER);
    const d = new vscode.Diagnostic(range, field ? `${field}: ${error}` : error, vscode.DiagnosticSeverity.Error);
    d.source = 'IRQ Lens';
    d.code = field;
    this.collection.set(uri, [d]);
    return d;
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
