// The IRQ Lens status bar item: indexing progress with counts, then health (trees, codebase, version, model links
// resolved per tree), errors and a stopped server; a click opens the Interrupt flows view, the tooltip links the log.
import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/protocol/customMessages';
import type { LinkCoverage } from '../../server/src/protocol/flowMessages';
import { codebaseCell, statusSummary } from './statusSummary';

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private ready: StatusParams | undefined;
  private links: LinkCoverage[] = [];

  constructor(clickCommand: string, private readonly logCommand: string) {
    this.item = vscode.window.createStatusBarItem('irqlens.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'IRQ Lens';
    this.item.command = clickCommand;
    this.starting();
    this.item.show();
  }

  starting(): void {
    this.ready = undefined;
    this.set('$(loading~spin) IRQ Lens', 'IRQ Lens: starting the language server');
  }

  update(s: StatusParams): void {
    switch (s.state) {
      case 'indexing': {
        this.ready = undefined;
        const counts = s.total ? ` ${s.done ?? 0}/${s.total}` : '';
        this.set(`$(sync~spin) IRQ Lens${counts}`, `IRQ Lens: indexing${s.message ? ` (${s.message})` : ''}`);
        break;
      }
      case 'ready':
        this.ready = s;
        this.links = [];
        this.showReady();
        break;
      case 'error':
        this.ready = undefined;
        this.set('$(error) IRQ Lens', this.withLogLink(`**IRQ Lens**: indexing failed: ${s.message ?? 'see the log'}`), true);
        break;
    }
  }

  /** Links resolved per tree (LinkCoverageRequest, asked for when the index is ready). */
  coverage(links: LinkCoverage[]): void {
    this.links = links;
    if (this.ready) this.showReady();
  }

  /** The text shown now (tests read it). */
  get text(): string {
    return this.item.text;
  }

  stopped(reason: string): void {
    this.ready = undefined;
    this.set('$(debug-disconnect) IRQ Lens: stopped', this.withLogLink(`**IRQ Lens**: ${reason}. Run "IRQ Lens: Restart Server".`), true);
  }

  private showReady(): void {
    const s = this.ready!;
    const linksOf = (root: string) => this.links.filter((l) => l.root === root);
    const md = new vscode.MarkdownString(
      '**IRQ Lens**: index ready\n\n| tree | codebase | files | functions | skipped | s | model links |\n|---|---|---:|---:|---:|---:|---:|\n',
    );
    for (const t of s.trees) {
      const links = linksOf(t.root).map((l) => `${l.codebase} ${l.resolved}/${l.total}`).join(', ') || '–';
      md.appendMarkdown(
        `| ${escape(t.root)} | ${codebaseCell(t)} | ${t.files} | ${t.functions} | ${t.skipped} | ${t.seconds.toFixed(1)} | ${links} |\n`,
      );
    }
    md.appendMarkdown('\nClick to open the Interrupt flows view.');
    const summary = statusSummary(s.trees, this.links);
    this.set(`$(pulse) IRQ Lens${summary ? ': ' + summary : ''}`, this.withLogLink(md));
  }

  private withLogLink(text: string | vscode.MarkdownString): vscode.MarkdownString {
    const md = typeof text === 'string' ? new vscode.MarkdownString(text) : text;
    md.appendMarkdown(` [Show the log](command:${this.logCommand})`);
    md.isTrusted = { enabledCommands: [this.logCommand] };
    return md;
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
