// The review panel: a webview (strict CSP, one nonce per render, no remote content) showing the series verdict, each
// patch's flows touched and findings with their consequence, a button per finding that runs the scenario the
// consequence names (irqlens.pickScenario with { name }), or simulates from the step (irqlens.simulateFromHere with
// { flow, step }) for a generated run, and "copy Markdown" for a reply.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ReviewResultView } from '../../../server/src/protocol/reviewMessages';
import { reviewHtml } from './reviewHtml';

export class ReviewPanel {
  private static current: ReviewPanel | undefined;
  private markdown = '';

  private constructor(private readonly panel: vscode.WebviewPanel) {
    panel.onDidDispose(() => {
      if (ReviewPanel.current === this) ReviewPanel.current = undefined;
    });
    panel.webview.onDidReceiveMessage(async (m: { kind: string; flow?: string; step?: string; scenario?: string }) => {
      if (m.kind === 'copy') {
        await vscode.env.clipboard.writeText(this.markdown);
        void vscode.window.showInformationMessage('IRQ Lens: review copied as Markdown.');
      } else if (m.kind === 'simulate' && m.scenario) {
        await vscode.commands.executeCommand('irqlens.pickScenario', { name: m.scenario });
      } else if (m.kind === 'simulate' && m.flow && m.step) {
        await vscode.commands.executeCommand('irqlens.simulateFromHere', { flow: m.flow, step: m.step });
      }
    });
  }

  static show(review: ReviewResultView, markdown: string): void {
    if (!ReviewPanel.current) {
      const panel = vscode.window.createWebviewPanel('irqlens.review', 'IRQ Lens Review', vscode.ViewColumn.Beside, { enableScripts: true, localResourceRoots: [] });
      ReviewPanel.current = new ReviewPanel(panel);
    }
    const p = ReviewPanel.current;
    p.markdown = markdown;
    p.panel.webview.html = reviewHtml(review, randomBytes(16).toString('base64'), p.panel.webview.cspSource);
    p.panel.reveal();
  }
}
