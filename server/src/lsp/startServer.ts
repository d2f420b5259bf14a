// Wires the IRQ Lens language server onto a connection (IPC under VS Code, stdio in tests): capabilities, the shared
// state (logger, index service, documents) and one feature object per LSP request.
import { setTimeout as delay } from 'node:timers/promises';
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
import { FlowGuide } from '../engine/flowGuide/flowGuide';
import { parseSettings, settingsSection, type IrqLensSettings } from '../protocol/configuration';
import { ReindexRequest, type InitializationOptions } from '../protocol/customMessages';
import { CallHierarchyFeature } from './callHierarchy';
import { CodeLensFeature } from './codeLens';
import { DeclarationFeature } from './declaration';
import { DefinitionFeature } from './definition';
import { Documents } from './documents';
import { DocumentSymbolsFeature } from './documentSymbols';
import { FlowRequestsFeature } from './flowRequests';
import { HoverFeature } from './hover';
import { IndexService } from './indexService';
import { Logger } from './logger';
import { uriToPath } from './positions';
import { ReferencesFeature } from './references';
import { RequestGuard } from './requestGuard';
import { ReviewFeature } from './review';
import { WorkspaceSymbolsFeature } from './workspaceSymbols';

/** The files whose disk changes the index follows (the index applies include/exclude on top). */
const watchedGlob = '**/*.{c,h}';

/** How long after `initialize` the server waits for `initialized` before it starts indexing without it. */
const INITIALIZED_GRACE_MS = Number(process.env.IRQLENS_INITIALIZED_GRACE_MS) || 5000;

/** Longest the flow guide waits for the first index before it runs the models anyway. */
const FLOW_GUIDE_WAIT_MS = 5000;
/** Time left to the requests answered from the first index (each answer takes a few turns of the event loop to write). */
const FLOW_GUIDE_AFTER_INDEX_MS = 300;

export function startServer(connection: Connection): Logger {
  const logger = new Logger(connection);
  let service: IndexService | undefined;
  let documents: Documents | undefined;
  let canRegisterWatchers = false;
  let canPullConfiguration = false;
  let hasFolderEvents = false;
  let canRefreshLenses = false;
  let settings: IrqLensSettings | undefined;
  // The models' facts (observed branches, worked runs) are computed once, in the background once the index is ready.
  const guide = new FlowGuide();
  let shuttingDown = false;

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    settings = parseSettings(init.settings);
    logger.setLevel(settings.logLevel);
    const folderUris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    const folders = folderUris.map(uriToPath).filter((f): f is string => f !== undefined);
    if (folders.length === 0) logger.warn('no workspace folder: nothing to index (open a folder holding a Xen, QEMU or Linux tree)');
    const caps = params.capabilities;
    canRegisterWatchers = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    canPullConfiguration = !!caps.workspace?.configuration;
    hasFolderEvents = !!caps.workspace?.workspaceFolders;
    canRefreshLenses = !!caps.workspace?.codeLens?.refreshSupport;

    service = new IndexService(connection, logger, {
      folders,
      settings,
      storagePath: init.storagePath,
      workDoneProgress: !!caps.window?.workDoneProgress,
    });
    documents = new Documents(service, logger);
    documents.listen(connection);
    const guard = new RequestGuard(service, logger);
    const review = new ReviewFeature(service, documents, logger);
    for (const feature of [
      new DefinitionFeature(documents, guard),
      new DeclarationFeature(documents, guard),
      new ReferencesFeature(documents, guard),
      new CallHierarchyFeature(documents, guard),
      new DocumentSymbolsFeature(guard),
      new WorkspaceSymbolsFeature(guard),
      new HoverFeature(documents, guard, guide),
      new CodeLensFeature(guide, guard, () => (settings ?? parseSettings(undefined)).lens, (params) => review.lenses(params)),
      new FlowRequestsFeature(guide, guard),
      review,
    ]) {
      feature.register(connection);
    }

    graceTimer = setTimeout(() => onceInitialized('grace'), INITIALIZED_GRACE_MS);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        definitionProvider: true,
        declarationProvider: true,
        referencesProvider: true,
        callHierarchyProvider: true,
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: true },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'irqlens' },
    };
  });

  // Indexing starts once the client has seen our capabilities (`initialized`); requests sent before then wait for the
  // index. A client that never sends `initialized` would leave them waiting forever: after a grace period indexing
  // starts anyway. A second `initialized` is ignored (it would restart the build and register everything twice).
  let initializedOnce = false;
  const onceInitialized = (how: 'initialized' | 'grace') => {
    if (!service || shuttingDown) return;
    if (initializedOnce) {
      if (how === 'initialized') logger.warn('initialized was already received (or indexing started without it): ignored');
      return;
    }
    initializedOnce = true;
    clearTimeout(graceTimer);
    if (how === 'grace') logger.warn(`no initialized notification ${INITIALIZED_GRACE_MS / 1000} s after initialize: indexing starts without it`);
    startIndexing();
  };
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  connection.onInitialized(() => onceInitialized('initialized'));

  const startIndexing = () => {
    if (!service) return;
    service.start();
    for (const problem of guide.scenarioProblems()) logger.warn(`built-in scenario: ${problem}`);
    // Lenses answered before now lacked what was not known yet: ask the editor for them again.
    const refreshLenses = async () => {
      if (!canRefreshLenses || shuttingDown) return;
      try {
        await connection.sendRequest('workspace/codeLens/refresh');
      } catch (err) {
        logger.warn(`the client refused to refresh lenses: ${String(err)}`);
      }
    };
    // The flow guide runs the models only, while the trees are indexed; on a cold start, after the first index (the
    // priority files') or a few seconds, and once the requests that waited for that index are answered: on two cores
    // its ~0.8 s of runs took a core from the parse workers the first definitions and lenses wait for, and a run of
    // one flow (~0.1 s before V8 has optimized the simulator) held back the answers' writes.
    void (async () => {
      await Promise.race([service!.readyOrPartial().catch(() => undefined), delay(FLOW_GUIDE_WAIT_MS)]);
      await delay(FLOW_GUIDE_AFTER_INDEX_MS);
      if (shuttingDown) return;
      const started = performance.now();
      await guide.warmUp(() => shuttingDown);
      const observed = performance.now();
      logger.info(`flow guide: branches observed for ${guide.flows.length} flows in ${((observed - started) / 1000).toFixed(1)} s`);
      await refreshLenses();
      await guide.prepareAllHovers(() => shuttingDown);
      if (shuttingDown) return;
      logger.info(`flow guide: worked runs and what-ifs ready in ${((performance.now() - observed) / 1000).toFixed(1)} s`);
      await refreshLenses();
    })().catch((err: unknown) => logger.error('observing the flows failed', err));
    // The full index: callers/callees counts and links into files outside the early index.
    void service
      .ready()
      .then(async (idx) => {
        if (idx) await refreshLenses();
      })
      .catch((err: unknown) => logger.error('refreshing lenses after indexing failed', err));
    if (canRegisterWatchers) {
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: watchedGlob }] })
        .catch((err: unknown) => logger.warn(`could not register file watchers: ${String(err)}`));
    }
    if (hasFolderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders(async () => {
        const folders = (await connection.workspace.getWorkspaceFolders()) ?? [];
        service?.setFolders(folders.map((f) => uriToPath(f.uri)).filter((f): f is string => f !== undefined));
      });
    }
  };

  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      const file = uriToPath(change.uri);
      if (!file || !service) continue;
      // An open editor's text is what the index holds for that file until it is closed.
      if (change.type === FileChangeType.Changed && documents?.isOpen(change.uri)) continue;
      service.refreshFile(file);
    }
  });

  connection.onDidChangeConfiguration(async (params) => {
    try {
      const pushed = (params.settings as Record<string, unknown> | null | undefined)?.[settingsSection];
      const raw = pushed ?? (canPullConfiguration ? await connection.workspace.getConfiguration(settingsSection) : undefined);
      if (raw === undefined) return;
      const next = parseSettings(raw);
      const lensesChanged = JSON.stringify(next.lens) !== JSON.stringify(settings?.lens);
      settings = next;
      service?.setSettings(next);
      if (lensesChanged && canRefreshLenses) await connection.sendRequest('workspace/codeLens/refresh');
    } catch (err) {
      logger.error('reading the irqlens settings failed', err);
    }
  });

  connection.onRequest(ReindexRequest.type, async () => {
    service?.rebuild('requested by the client');
    await service?.ready();
  });

  connection.onShutdown(async () => {
    shuttingDown = true;
    clearTimeout(graceTimer);
    await service?.dispose();
  });

  connection.listen();
  return logger;
}
