// The IRQ Lens status bar item: indexing progress with counts, then health (trees, codebase, version), errors and a
// stopped server; a click opens the output channel.
import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/protocol/customMessages';

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(clickCommand: string) {
    this.item = vscode.window.createStatusBarItem('irqlens.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'IRQ Lens';
    this.item.command = clickCommand;
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.set('$(loading~spin) IRQ Lens', 'IRQ Lens: starting the language server');
  }

  update(s: StatusParams): void {
    switch (s.state) {
      case 'indexing': {
        const counts = s.total ? ` ${s.done ?? 0}/${s.total}` : '';
        this.set(`$(sync~spin) IRQ Lens${counts}`, `IRQ Lens: indexing${s.message ? ` (${s.message})` : ''}`);
        break;
      }
      case 'ready': {
        const md = new vscode.MarkdownString('**IRQ Lens**: index ready\n\n| tree | codebase | files | functions | skipped | s |\n|---|---|---:|---:|---:|---:|\n');
        for (const t of s.trees) {
          md.appendMarkdown(
            `| ${escape(t.root)} | ${t.codebase} ${t.version ?? ''} | ${t.files} | ${t.functions} | ${t.skipped} | ${t.seconds.toFixed(1)} |\n`,
          );
        }
        md.appendMarkdown('\nClick to open the log.');
        const summary = s.trees.map((t) => `${t.codebase}${t.version ? ' ' + t.version : ''}`).join(', ');
        this.set(`$(pulse) IRQ Lens${summary ? ': ' + summary : ''}`, md);
        break;
      }
      case 'error':
        this.set('$(error) IRQ Lens', `IRQ Lens: indexing failed: ${s.message ?? 'see the log'}`, true);
        break;
    }
  }

  stopped(reason: string): void {
    this.set('$(debug-disconnect) IRQ Lens: stopped', `IRQ Lens: ${reason}. Run "IRQ Lens: Restart Server" or click for the log.`, true);
  }

  private set(text: string, tooltip: string | vscode.MarkdownString, error = false): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function escape(s: string): string {
  return s.replace(/[|\\`*_]/g, (c) => '\\' + c);
}
