// The custom messages between the IRQ Lens client and language server: one namespace per message.
// The client imports only the protocol folder from the server side; the protocol imports nothing of the engine.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per message (method, types), as in vscode-eslint's customMessages */
import { NotificationType, RequestType0 } from 'vscode-languageserver-protocol';

/** What the server passes back about one indexed tree (mirrors the engine's TreeStats). */
export interface TreeStatus {
  root: string;
  /** `unknown` when the folder is none of the three (it is still indexed). */
  codebase: 'xen' | 'qemu' | 'linux' | 'unknown';
  version?: string;
  files: number;
  functions: number;
  calls: number;
  /** Files skipped or only partly indexed. */
  skipped: number;
  seconds: number;
  fromCache: number | boolean;
}

export type IndexState = 'indexing' | 'ready' | 'error';

export interface StatusParams {
  state: IndexState;
  /** Files done / total while indexing (all trees together). */
  done?: number;
  total?: number;
  /** One line for the status item's tooltip; the error text when `state` is `error`. */
  message?: string;
  /** Present once the index is ready. */
  trees: TreeStatus[];
}

/** server → client: the index's health; sent when indexing starts, while it runs (throttled), and when it ends. */
export namespace StatusNotification {
  export const method = 'irqlens/status';
  export const type = new NotificationType<StatusParams>(method);
}

/** client → server: rebuild the index of every tree (re-walks the trees; the cache still saves unchanged files). */
export namespace ReindexRequest {
  export const method = 'irqlens/reindex';
  export const type = new RequestType0<void, void>(method);
}

/** client → server, in `initialize`: where to keep the index cache, and the `irqlens` settings at start. */
export interface InitializationOptions {
  /** The extension's workspace storage folder; the index cache goes below it. Absent: the engine's default. */
  storagePath?: string;
  /** The `irqlens` configuration section (see configuration.ts). */
  settings?: unknown;
}
