// A real LSP client for the black-box server tests: spawns the bundled `out/server.js --stdio`, speaks JSON-RPC with
// vscode-jsonrpc, records what the server sends (logs, status, progress) and lets tests wait on those signals.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { InitializeResult, Position, ProgressToken } from 'vscode-languageserver-protocol';
import type { StatusParams } from '../../server/src/protocol/customMessages';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const fixtureRoot = path.join(repoRoot, 'test', 'fixtures', 'server');

/** Per-test limit that turns a hung server into a failure (a hang guard, not a timing assertion). */
export const hangGuardMs = 120_000;

let built = false;

/** Builds the bundles once per test process (the tests drive the shipped server, not the sources). */
export function buildOnce(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
  built = true;
}

/** A fresh copy of the fixture workspace (tests change files on disk) and an empty storage folder for the cache. */
export function copyFixture(): { workspace: string; storage: string; cleanup: () => void } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-server-'));
  const workspace = path.join(base, 'workspace');
  const storage = path.join(base, 'storage');
  fs.cpSync(fixtureRoot, workspace, { recursive: true });
  fs.mkdirSync(storage);
  return { workspace, storage, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}

export const uri = (file: string): string => pathToFileURL(file).href;

/** The position of the `nth` occurrence of `needle` in `text`, plus `offset` characters into it. */
export function positionOf(text: string, needle: string, nth = 0, offset = 0): Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`positionOf: occurrence ${nth} of ${JSON.stringify(needle)} not found`);
  }
  at += offset;
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) };
}

/** Zero-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  return positionOf(text, needle).line;
}

export interface LogEntry {
  type: number;
  message: string;
}

export interface ProgressEntry {
  token: ProgressToken;
  value: { kind: 'begin' | 'report' | 'end'; title?: string; message?: string; percentage?: number };
}

export interface StartOptions {
  workspace: string;
  /** More workspace folders (multi-root), after `workspace`. */
  moreFolders?: string[];
  storage: string;
  settings?: unknown;
  /** Advertise window.workDoneProgress (default true). */
  workDoneProgress?: boolean;
  /** Send `initialized` right after `initialize` (default true); false lets a test send requests before indexing starts. */
  sendInitialized?: boolean;
  /** Advertise workspace.codeLens.refreshSupport (default false); refresh requests are counted in `lensRefreshes`. */
  codeLensRefresh?: boolean;
  /** Extra environment variables of the server process. */
  env?: Record<string, string>;
}

export class ServerClient {
  readonly logs: LogEntry[] = [];
  readonly statuses: StatusParams[] = [];
  readonly progress: ProgressEntry[] = [];
  readonly createdProgressTokens: ProgressToken[] = [];
  readonly lensRefreshes: number[] = [];
  stderr = '';
  exitCode: number | null | undefined;
  initializeResult: InitializeResult | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly proc: ChildProcessWithoutNullStreams,
    readonly conn: MessageConnection,
  ) {}

  static async start(opts: StartOptions): Promise<ServerClient> {
    buildOnce();
    const proc = spawn(process.execPath, [path.join(repoRoot, 'out', 'server.js'), '--stdio'], { cwd: repoRoot, stdio: 'pipe', env: { ...process.env, ...opts.env } });
    const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    const client = new ServerClient(proc, conn);
    proc.stderr.on('data', (d: Buffer) => (client.stderr += d.toString()));
    proc.on('exit', (code) => {
      client.exitCode = code;
      client.poke();
    });
    conn.onNotification('window/logMessage', (p: LogEntry) => client.record(client.logs, p));
    conn.onNotification('irqlens/status', (p: StatusParams) => client.record(client.statuses, p));
    conn.onNotification('$/progress', (p: ProgressEntry) => client.record(client.progress, p));
    conn.onRequest('workspace/codeLens/refresh', () => {
      client.record(client.lensRefreshes, Date.now());
      return null;
    });
    conn.onRequest('window/workDoneProgress/create', (p: { token: ProgressToken }) => {
      client.record(client.createdProgressTokens, p.token);
      return null;
    });
    conn.listen();

    client.initializeResult = await conn.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: uri(opts.workspace),
      workspaceFolders: [opts.workspace, ...(opts.moreFolders ?? [])].map((f) => ({ uri: uri(f), name: path.basename(f) })),
      capabilities: {
        window: { workDoneProgress: opts.workDoneProgress ?? true },
        textDocument: {
          synchronization: { didSave: false },
          callHierarchy: {},
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
        workspace: { symbol: {}, ...(opts.codeLensRefresh ? { codeLens: { refreshSupport: true } } : {}) },
      },
      initializationOptions: { storagePath: opts.storage, settings: opts.settings ?? {} },
    });
    if (opts.sendInitialized ?? true) await client.initialized();
    return client;
  }

  async initialized(): Promise<void> {
    await this.conn.sendNotification('initialized', {});
  }

  private record<T>(list: T[], item: T): void {
    list.push(item);
    this.poke();
  }

  private poke(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first truthy value of `check`, re-evaluated on every message from the server; rejects if the server exits. */
  waitFor<T>(what: string, check: () => T | undefined | false | null): Promise<T> {
    return new Promise((resolve, reject) => {
      const tryNow = () => {
        const v = check();
        if (v) {
          this.waiters.delete(tryNow);
          resolve(v);
        } else if (this.exitCode !== undefined) {
          this.waiters.delete(tryNow);
          reject(new Error(`server exited (${this.exitCode}) while waiting for ${what}; stderr:\n${this.stderr}`));
        }
      };
      this.waiters.add(tryNow);
      tryNow();
    });
  }

  /** The first `ready` (or `error`) status. */
  waitReady(): Promise<StatusParams> {
    return this.waitFor('the ready status', () => this.statuses.find((s) => s.state === 'ready' || s.state === 'error'));
  }

  waitLog(re: RegExp): Promise<LogEntry> {
    return this.waitFor(`a log line matching ${re}`, () => this.logs.find((l) => re.test(l.message)));
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest<R>(method, params);
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.conn.sendNotification(method, params);
  }

  open(file: string, text = fs.readFileSync(file, 'utf8'), version = 1): Promise<void> {
    return this.notify('textDocument/didOpen', { textDocument: { uri: uri(file), languageId: 'c', version, text } });
  }

  /** Shuts the server down politely and returns its exit code. */
  async stop(): Promise<number | null> {
    if (this.exitCode === undefined) {
      const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      try {
        await this.request('shutdown', null);
        await this.notify('exit', null);
      } catch {
        this.proc.kill();
      }
      await exited;
    }
    this.conn.dispose();
    return this.exitCode ?? null;
  }
}
