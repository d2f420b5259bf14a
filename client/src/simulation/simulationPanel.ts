// The "Simulate from here" panel: a webview showing a trace (SimulateRequest → TraceView) as a sequence diagram, with
// step-by-step state, editable parameters and the outcome. One panel is reused; a serializer restores it after a reload.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { SimulateRequest, type FlowView, type SimulateParams, type SimulateResult, type TraceView } from '../../../server/src/protocol/flowMessages';
import { goToLink } from '../links';
import { checkToExtension, type PanelState, type ToExtension, type ToView } from './panelMessages';
import type { ScenarioDiagnostics } from './scenarioDiagnostics';
import type { TraceDocuments } from './traceDocuments';

export const simulationViewType = 'irqlens.simulation';

export interface PanelDeps {
  extensionUri: vscode.Uri;
  client(): LanguageClient | undefined;
  log: vscode.LogOutputChannel;
  traces: TraceDocuments;
  diagnostics: ScenarioDiagnostics;
}

export class SimulationPanels implements vscode.WebviewPanelSerializer<PanelState>, vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: PanelState | undefined;
  private last: { trace: TraceView; flow: FlowView } | undefined;
  private runSerial = 0;
  private running = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Fires after each message the panel posted or handled (tests wait on it). */
  private readonly events = new vscode.EventEmitter<{ direction: 'toView' | 'fromView'; kind: string; detail?: string }>();
  readonly onDidExchange = this.events.event;

  constructor(private readonly deps: PanelDeps) {
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(simulationViewType, this),
      this.events,
      // Saving the scenario file the panel shows runs it again (and refreshes its Problems entry).
      vscode.workspace.onDidSaveTextDocument((doc) => {
        const scenario = this.state?.request.scenario;
        if (this.panel && scenario && 'uri' in scenario && scenario.uri === doc.uri.toString()) void this.run();
      }),
    );
  }

  /** Opens (or reuses) the panel on this request and runs it. */
  async show(request: SimulateParams, title: string): Promise<void> {
    this.state = { request, stepIndex: 0, title };
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(simulationViewType, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, this.options());
      this.attach(panel);
    } else {
      this.panel.title = title;
      this.panel.reveal(undefined, false);
    }
    await this.run();
  }

  /** VS Code calls this after a reload for a panel that was open, with the state the view last saved. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, saved: PanelState | undefined): Promise<void> {
    panel.webview.options = this.options();
    this.attach(panel);
    if (saved && typeof saved === 'object' && saved.request) {
      this.state = { request: saved.request, stepIndex: saved.stepIndex ?? 0, title: saved.title ?? panel.title };
      panel.title = this.state.title;
      await this.run();
    }
  }

  get current(): { state?: PanelState; trace?: TraceView } {
    return { state: this.state, trace: this.last?.trace };
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Checks and acts on one message from the view; returns what was done (an unknown or malformed message is logged and ignored). */
  async handle(raw: unknown): Promise<string> {
    const checked = checkToExtension(raw);
    if (!checked.ok) {
      this.deps.log.warn(`simulation panel: ignored a message from the view: ${checked.why}`);
      this.events.fire({ direction: 'fromView', kind: 'ignored', detail: checked.why });
      return `ignored: ${checked.why}`;
    }
    const msg: ToExtension = checked.msg;
    switch (msg.kind) {
      case 'ready':
        // A fresh view (first load, shown again, or after a reload): send it what it should show, unless a run is
        // under way (its answer will).
        if (this.running) break;
        if (this.last && this.state) await this.post({ kind: 'trace', ...this.last, state: this.state });
        else if (this.state) await this.run();
        break;
      case 'rerun':
        if (this.state) {
          this.state = { ...this.state, request: { ...this.state.request, params: msg.params, profile: msg.profile }, stepIndex: 0 };
          await this.run();
        }
        break;
      case 'openLink': {
        const step = this.last?.trace.steps[this.state?.stepIndex ?? 0];
        await goToLink(msg.link, step ? `step ${step.step} of ${this.last?.trace.flow}` : 'a simulated step', vscode.ViewColumn.One);
        break;
      }
      case 'showText':
        if (this.last) await this.deps.traces.open(this.last.trace);
        break;
      case 'selectStep':
        if (this.state) this.state = { ...this.state, stepIndex: msg.stepIndex };
        break;
    }
    this.events.fire({ direction: 'fromView', kind: msg.kind });
    return msg.kind;
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'media'), vscode.Uri.joinPath(this.deps.extensionUri, 'out')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    this.last = undefined;
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'irqlens.svg');
    panel.webview.html = this.html(panel.webview);
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => void this.handle(m)),
      panel.onDidDispose(() => {
        if (this.panel === panel) {
          this.panel = undefined;
          this.last = undefined;
        }
        for (const s of subs) s.dispose();
      }),
    ];
  }

  private async run(): Promise<void> {
    const state = this.state;
    const client = this.deps.client();
    if (!state) return;
    if (!client?.isRunning()) {
      await this.post({ kind: 'error', error: 'The IRQ Lens server is not running; run "IRQ Lens: Restart Server".', state });
      return;
    }
    const serial = ++this.runSerial;
    this.running = true;
    let result: SimulateResult;
    let request: SimulateParams;
    try {
      request = await this.freshRequest(state.request);
      await this.post({ kind: 'busy', text: 'Simulating…' });
      result = await client.sendRequest(SimulateRequest.type, request);
    } finally {
      if (serial === this.runSerial) this.running = false;
    }
    if (serial !== this.runSerial) return; // a newer run took over
    const fileUri = request.scenario && 'uri' in request.scenario ? vscode.Uri.parse(request.scenario.uri) : undefined;
    if (result.ok) {
      if (fileUri) this.deps.diagnostics.clear(fileUri);
      this.last = { trace: result.trace, flow: result.flow };
      state.stepIndex = Math.min(state.stepIndex, Math.max(0, result.trace.steps.length - 1));
      await this.post({ kind: 'trace', trace: result.trace, flow: result.flow, state });
    } else {
      if (fileUri) this.deps.diagnostics.report(fileUri, result.error, result.field, result.line);
      this.last = undefined;
      this.deps.log.info(`simulation failed: ${result.field ? result.field + ': ' : ''}${result.error}`);
      await this.post({ kind: 'error', error: result.error, field: result.field, line: result.line, state });
    }
  }

  /** A scenario file is read again (from its open, maybe unsaved, document when there is one) each run. */
  private async freshRequest(request: SimulateParams): Promise<SimulateParams> {
    if (!request.scenario || !('uri' in request.scenario)) return request;
    const uri = vscode.Uri.parse(request.scenario.uri);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return { ...request, scenario: { uri: request.scenario.uri, text } };
  }

  private async post(msg: ToView): Promise<void> {
    if (!this.panel) return;
    await this.panel.webview.postMessage(msg);
    this.events.fire({ direction: 'toView', kind: msg.kind, detail: msg.kind === 'error' ? msg.error : undefined });
  }

  private html(webview: vscode.Webview): string {
    const nonce = makeNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'out', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'panel.css'));
    const csp = [
      `default-src 'none'`,
      `img-src ${webview.cspSource}`,
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>IRQ Lens simulation</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="busy">Loading…</p></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}
