// The IRQ Lens VS Code extension: starts the bundled language server (IPC), shows its progress and health in the status
// bar, logs to a LogOutputChannel, restarts the server when it dies, registers the commands, the Interrupt flows view
// and the simulation panel.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { settingsSection } from '../../server/src/protocol/configuration';
import { StatusNotification, type InitializationOptions } from '../../server/src/protocol/customMessages';
import { ClientCommands, LinkCoverageRequest } from '../../server/src/protocol/flowMessages';
import { fetchFlows, flowsViewId, registerCommands } from './commands';
import { readSettings } from './config';
import { FlowsTree, type FlowTreeNode } from './flows/flowsTree';
import { hoverTrustMiddleware } from './hoverTrust';
import { levelledChannel } from './logChannel';
import { ScenarioDiagnostics } from './simulation/scenarioDiagnostics';
import { SimulationPanels } from './simulation/simulationPanel';
import { TraceDocuments } from './simulation/traceDocuments';
import { StatusItem } from './statusItem';

/** What activate() returns: the parts the extension-host tests look at. */
export interface IrqLensApi {
  client(): LanguageClient | undefined;
  panels: SimulationPanels;
  flows: FlowsTree;
  diagnostics: ScenarioDiagnostics;
  status: StatusItem;
}

/** Restart a dead server at most this many times in `restartWindowMs` (vscode-languageclient's default policy, made visible). */
const maxRestarts = 4;
const restartWindowMs = 3 * 60 * 1000;

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<IrqLensApi> {
  const log = vscode.window.createOutputChannel('IRQ Lens', { log: true });
  const status = new StatusItem(ClientCommands.showFlow, 'irqlens.showOutput');
  const traces = new TraceDocuments();
  const diagnostics = new ScenarioDiagnostics();
  const panels = new SimulationPanels({ extensionUri: context.extensionUri, client: () => client, log, traces, diagnostics });
  const flows = new FlowsTree();
  const flowsView = vscode.window.createTreeView<FlowTreeNode>(flowsViewId, { treeDataProvider: flows, showCollapseAll: true });
  context.subscriptions.push(log, status, traces, diagnostics, panels, flowsView);

  const refreshFlows = async (): Promise<void> => {
    try {
      const { flows: list, why } = await fetchFlows(client);
      flows.set(list, why);
      flowsView.message = list ? undefined : why;
    } catch (err) {
      log.warn(`the flows view could not be filled: ${err instanceof Error ? err.message : String(err)}`);
      flows.set(undefined, 'The server did not answer the flows request; see the log.');
      flowsView.message = flows.placeholder;
    }
  };
  const refreshCoverage = async (): Promise<void> => {
    try {
      if (client?.isRunning()) status.coverage(await client.sendRequest(LinkCoverageRequest.type));
    } catch (err) {
      log.warn(`link coverage: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  flowsView.message = flows.placeholder;

  const storage = context.storageUri ?? context.globalStorageUri;
  await vscode.workspace.fs.createDirectory(storage);

  const restarts: number[] = [];
  const errorHandler: ErrorHandler = {
    error: (_err, _msg, count) => ({ action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown }),
    closed: () => {
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && now - restarts[0] > restartWindowMs) restarts.shift();
      if (restarts.length <= maxRestarts) {
        log.warn(`the language server exited; restarting (${restarts.length}/${maxRestarts} in the last 3 minutes)`);
        status.starting();
        return { action: CloseAction.Restart };
      }
      status.stopped('the server crashed repeatedly');
      return {
        action: CloseAction.DoNotRestart,
        message: `The IRQ Lens server crashed ${restarts.length} times in 3 minutes and will not be restarted. Run "IRQ Lens: Restart Server" after checking the output.`,
      };
    },
  };

  const makeClient = (): LanguageClient => {
    const module = context.asAbsolutePath('out/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const initializationOptions: InitializationOptions = { storagePath: storage.fsPath, settings: readSettings() };
    const clientOptions: LanguageClientOptions = {
      // Headers may be opened as C++ (VS Code's default for .h when a C++ extension is installed): match them by name too.
      documentSelector: [
        { scheme: 'file', language: 'c' },
        { scheme: 'file', pattern: '**/*.{c,h}' },
        // Patches and mailboxes: review diagnostics and step lenses.
        { scheme: 'file', pattern: '**/*.{patch,diff,mbox,eml}' },
      ],
      // The server registers its own file watchers (workspace/didChangeWatchedFiles) and reads this section on change.
      synchronize: { configurationSection: settingsSection },
      initializationOptions,
      outputChannel: levelledChannel(log),
      errorHandler,
      middleware: hoverTrustMiddleware,
    };
    const c = new LanguageClient('irqlens', 'IRQ Lens', serverOptions, clientOptions);
    c.onNotification(StatusNotification.type, (s) => {
      status.update(s);
      // The links resolve against the index: fill the flows view and the coverage once it is ready.
      if (s.state === 'ready') void Promise.all([refreshFlows(), refreshCoverage()]);
    });
    c.onDidChangeState((e) => {
      if (e.newState === State.Starting) status.starting();
      if (e.newState === State.Stopped) status.stopped('the server is stopped');
    });
    return c;
  };

  const start = async (): Promise<void> => {
    client = makeClient();
    try {
      await client.start();
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      log.error(`the language server failed to start: ${text}`);
      status.stopped('the server failed to start');
      void vscode.window.showErrorMessage(`IRQ Lens: the language server failed to start: ${text}`, 'Show Output').then((pick) => {
        if (pick) log.show(true);
      });
    }
  };

  const restart = async (): Promise<void> => {
    const old = client;
    client = undefined;
    restarts.length = 0;
    if (old) {
      await old.dispose().catch((err: unknown) => log.warn(`stopping the old server: ${String(err)}`));
    }
    log.info('restarting the language server');
    await start();
  };

  context.subscriptions.push(
    ...registerCommands({ client: () => client, log, restart, panels, flows, flowsView: flowsView as vscode.TreeView<unknown>, refreshFlows }),
  );
  context.subscriptions.push({ dispose: () => void client?.dispose() });
  await start();
  return { client: () => client, panels, flows, diagnostics, status };
}

export async function deactivate(): Promise<void> {
  await client?.dispose();
  client = undefined;
}
