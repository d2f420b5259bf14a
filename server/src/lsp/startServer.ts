// Wires the IRQ Lens language server onto a connection (IPC under VS Code, stdio in tests): capabilities, the shared
// state (logger, index service, documents) and one feature object per LSP request.
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
import { parseSettings, settingsSection } from '../protocol/configuration';
import { ReindexRequest, type InitializationOptions } from '../protocol/customMessages';
import { CallHierarchyFeature } from './callHierarchy';
import { DeclarationFeature } from './declaration';
import { DefinitionFeature } from './definition';
import { Documents } from './documents';
import { DocumentSymbolsFeature } from './documentSymbols';
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

export function startServer(connection: Connection): Logger {
  const logger = new Logger(connection);
  let service: IndexService | undefined;
  let documents: Documents | undefined;
  let canRegisterWatchers = false;
  let canPullConfiguration = false;
  let hasFolderEvents = false;

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    const settings = parseSettings(init.settings);
    logger.setLevel(settings.logLevel);
    const folderUris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    const folders = folderUris.map(uriToPath).filter((f): f is string => f !== undefined);
    if (folders.length === 0) logger.warn('no workspace folder: nothing to index (open a folder holding a Xen, QEMU or Linux tree)');
    const caps = params.capabilities;
    canRegisterWatchers = !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    canPullConfiguration = !!caps.workspace?.configuration;
    hasFolderEvents = !!caps.workspace?.workspaceFolders;

    service = new IndexService(connection, logger, {
      folders,
      settings,
      storagePath: init.storagePath,
      workDoneProgress: !!caps.window?.workDoneProgress,
    });
    documents = new Documents(service, logger);
    documents.listen(connection);
    const guard = new RequestGuard(service, logger);
    for (const feature of [
      new DefinitionFeature(documents, guard),
      new DeclarationFeature(documents, guard),
      new ReferencesFeature(documents, guard),
      new CallHierarchyFeature(documents, guard),
      new DocumentSymbolsFeature(guard),
      new WorkspaceSymbolsFeature(guard),
      new HoverFeature(documents, guard),
      new ReviewFeature(service, documents, logger),
    ]) {
      feature.register(connection);
    }

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
        codeLensProvider: { resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'irqlens' },
    };
  });

  // Indexing starts once the client has seen our capabilities; requests sent before then wait for the index.
  connection.onInitialized(() => {
    if (!service) return;
    service.start();
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
  });

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
      if (raw !== undefined) service?.setSettings(parseSettings(raw));
    } catch (err) {
      logger.error('reading the irqlens settings failed', err);
    }
  });

  connection.onRequest(ReindexRequest.type, async () => {
    service?.rebuild('requested by the client');
    await service?.ready();
  });

  connection.onShutdown(async () => {
    await service?.dispose();
  });

  connection.listen();
  return logger;
}
