// A pool of parse workers over all cores. Finds the bundled worker next to the running bundle (out/parseWorker.js);
// from TypeScript sources (tsx) it starts parseWorker.ts with the same execArgv (the tsx loader).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { planBatches } from './batchPlan';
import type { StoreRef } from './contentStore';
import { addPhaseTimes, emptyPhaseTimes, type PhaseTimes } from './extractProfile';
import { emptyRecord, emptyWorkerStrings, type FileRecord, workerStrings, type WorkerStrings } from './fileRecord';
import type { ParseReply, ParseRequest, PreparedReply } from './parseWorker';

function workerScript(): string {
  for (const name of ['parseWorker.js', 'parseWorker.ts']) {
    const p = path.join(__dirname, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`parse worker not found next to ${__dirname}`);
}

/**
 * The parent's execArgv minus what a worker refuses (V8 flags such as --expose-gc, --max-old-space-size):
 * loaders (--import tsx, --require) are kept so the worker can run from TypeScript sources.
 */
function workerExecArgv(): string[] {
  const keepWithValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const flag = a.split('=')[0];
    if (keepWithValue.has(flag)) {
      out.push(a);
      if (!a.includes('=') && i + 1 < argv.length) out.push(argv[++i]);
    } else if (a === '--enable-source-maps' || a === '--no-warnings') out.push(a);
  }
  // A CPU profile per worker (the build's phases say how long; the profiles say where inside a phase).
  const profileDir = process.env.IRQLENS_WORKER_CPU_PROF;
  if (profileDir) out.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  return out;
}

interface Slot {
  worker: Worker;
  busy?: { req: ParseRequest; resolve: (r: FileRecord[], strings: WorkerStrings, times?: PhaseTimes) => void };
  /** Set while a prepared worker compiles (see prepare; cleared by its reply): it is not terminated before that ends. */
  preparing?: { done: Promise<void>; end: () => void };
  /** Shared with the worker: set to 1 when it is to be terminated, so that a compile under way ends at its next step. */
  cancel: Int32Array;
}

/** All cores, or IRQLENS_WORKERS when set (to measure how the build scales with the number of workers). */
function defaultSize(): number {
  const asked = Number(process.env.IRQLENS_WORKERS);
  if (Number.isInteger(asked) && asked > 0) return asked;
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Most files in one batch: enough to amortise messaging, few enough to balance the workers. */
const BATCH_FILES = 64;
/**
 * Most source bytes in one batch (a larger single file is a batch of its own): a worker holds a batch's records, string
 * table and new content-store entries until the batch ends, so this bounds what the workers hold at once.
 */
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * V8 optimizes a function once it has run a budget of bytecode (67,584 bytes by default), and optimizes it again after
 * each deoptimization. A worker's extraction code meets new shapes of C for a long time (a branch taken for the first
 * time deoptimizes its function), so with the default budget each worker recompiled its scanners dozens of times:
 * on QEMU the compiler threads took ~13 s of a ~36 s cold index. Fifteen times the budget leaves the compiler ~4 s
 * and the workers' own time nearly unchanged (measured with per-thread CPU, `npm run bench` has the totals).
 * V8 flags are process-wide: the flag also applies to the server's or CLI's main thread, where it only delays the
 * optimization of code that runs rarely.
 */
function optimizeLater(): void {
  if (budgetSet) return;
  budgetSet = true;
  if (!process.execArgv.some((a) => a.startsWith('--interrupt-budget'))) v8.setFlagsFromString('--interrupt-budget=1000000');
}
let budgetSet = false;

export class ParsePool {
  private slots: Slot[] = [];
  private nextId = 1;
  private waiting: (() => void)[] = [];
  /** Set by dispose: a run still under way sends no more batches (and starts no worker). */
  private disposed = false;
  /** Shared with every worker: set to 1 when the build is aborted (read between files). */
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    readonly size = defaultSize(),
    private readonly log?: (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void,
  ) {}

  private spawn(): Slot {
    optimizeLater();
    const script = workerScript();
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    // From sources, the worker is TypeScript: register tsx's CommonJS hook inside the worker before loading it.
    const worker = script.endsWith('.ts')
      ? new Worker(`require(${JSON.stringify(require.resolve(['tsx', 'cjs'].join('/')))}); require(${JSON.stringify(script)});`, { eval: true, execArgv: workerExecArgv(), workerData: { stop: this.stop, cancel } })
      : new Worker(script, { execArgv: workerExecArgv(), workerData: { stop: this.stop, cancel } });
    const slot: Slot = { worker, cancel };
    worker.on('message', (reply: ParseReply | PreparedReply) => {
      if ('prepared' in reply) {
        slot.preparing?.end();
        slot.preparing = undefined;
        return;
      }
      const busy = slot.busy;
      slot.busy = undefined;
      busy?.resolve(reply.records, workerStrings(reply.strings), reply.times);
      this.waiting.shift()?.();
    });
    worker.on('error', (e) => {
      // A worker that throws loses its batch: report the files, replace the worker, go on.
      const busy = slot.busy;
      slot.busy = undefined;
      this.log?.('error', `parse worker failed on ${busy?.req.files.length ?? 0} file(s) of ${busy?.req.root}: ${e.message}`);
      this.slots = this.slots.filter((s) => s !== slot);
      slot.preparing?.end();
      busy?.resolve(busy.req.files.map((f) => emptyRecord(f, 0, 0, `parse worker failed: ${e.message}`)), emptyWorkerStrings());
      this.waiting.shift()?.();
    });
    this.slots.push(slot);
    return slot;
  }

  /**
   * Starts the workers now, each compiling its parser and query (~0.1 s of start and ~70 ms of query compile per worker)
   * while the caller walks the tree and reads caches: a build that will parse calls this before it knows what. A
   * worker handles its messages in order, so a batch sent meanwhile waits for the compile it would have done anyway.
   */
  prepare(count = this.size): void {
    while (this.slots.length < Math.min(count, this.size)) {
      const slot = this.spawn();
      let end = () => {};
      const done = new Promise<void>((resolve) => (end = resolve));
      slot.preparing = { done, end };
      slot.worker.once('exit', end);
      const prepare: ParseRequest = { id: 0, root: '', files: [], prepare: true };
      slot.worker.postMessage(prepare);
    }
  }

  /**
   * A free worker, spawning one while under `limit` (at most the pool's size); undefined once `signal` is aborted or
   * the pool disposed.
   */
  private async idleSlot(limit: number, signal?: AbortSignal): Promise<Slot | undefined> {
    for (;;) {
      if (signal?.aborted || this.disposed) return undefined;
      const free = this.slots.find((s) => !s.busy);
      if (free) return free;
      if (this.slots.length < Math.min(limit, this.size)) return this.spawn();
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  /**
   * A build was superseded or the server shuts down: each worker stops after the file it is parsing and replies with
   * what it has, which the caller drops. (Terminating a worker in the middle of a parse aborts the whole process:
   * tree-sitter's addon throws while its thread is torn down.)
   */
  private stopWorkers(): void {
    Atomics.store(this.stop, 0, 1);
    for (const wake of this.waiting.splice(0)) wake();
  }

  /**
   * Parses `files` (relative to `root`) in batches; `onBatch` receives records as they arrive; with `store` (a content
   * store) files extracted before are taken from it; `sizes` (bytes per file) bound the source bytes of a batch.
   * Returns the workers' time per extraction phase. At most one batch per worker is in flight: the next is sent when a
   * worker is free, and a batch's records are merged (by `onBatch`) as soon as it arrives. No more than `maxWorkers`
   * workers are started for the run (those already running all take batches).
   */
  async run(root: string, files: string[], onBatch: (records: FileRecord[], strings: WorkerStrings) => void, signal?: AbortSignal, store?: StoreRef, sizes?: readonly number[], maxWorkers = this.size): Promise<PhaseTimes> {
    const times = emptyPhaseTimes();
    // Batches big enough to amortise messaging, small enough to balance (large files first helps the tail).
    const batchFiles = Math.max(1, Math.min(BATCH_FILES, Math.ceil(files.length / (this.size * 8))));
    const batches = planBatches(sizes ?? files.map(() => 0), batchFiles, BATCH_BYTES);
    const pending: Promise<void>[] = [];
    const onAbort = () => this.stopWorkers();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const batch of batches) {
        const slot = await this.idleSlot(maxWorkers, signal);
        if (!slot) break;
        const req: ParseRequest = { id: this.nextId++, root, files: files.slice(batch.start, batch.end), ...(store ? { store } : {}) };
        pending.push(
          new Promise<[FileRecord[], WorkerStrings]>((resolve) => {
            slot.busy = {
              req,
              resolve: (records, strings, batchTimes) => {
                if (batchTimes) addPhaseTimes(times, batchTimes);
                resolve([records, strings]);
              },
            };
            slot.worker.postMessage(req);
          }).then(([records, strings]) => {
            if (!signal?.aborted) onBatch(records, strings);
          }),
        );
      }
      await Promise.all(pending);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return times;
  }

  /** Workers started and not terminated. */
  get running(): number {
    return this.slots.length;
  }

  /**
   * Terminates the workers between runs, once they are idle: their heaps and parse buffers go back to the system (the
   * tree's cache is written next, with every record in memory). The pool stays usable: a later run starts new ones.
   */
  async release(): Promise<void> {
    if (this.slots.some((s) => s.busy)) return;
    await this.terminateAll();
  }

  /** Terminates the workers, each once idle (a busy one is told to stop after its current file, see stopWorkers). */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const wake of this.waiting.splice(0)) wake();
    if (this.slots.some((s) => s.busy)) Atomics.store(this.stop, 0, 1);
    await this.terminateAll();
  }

  /** Takes every worker out of the pool and terminates each once its compile and its batch, if any, are over. */
  private async terminateAll(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(
      slots.map(async (s) => {
        // Terminating a worker inside tree-sitter's compile aborts the process, as inside a parse: a worker started
        // for nothing (a file touched but not changed) ends its compile at the next step and replies. Its reply comes
        // before that of any batch, so a busy worker's next message is then its batch's.
        Atomics.store(s.cancel, 0, 1);
        await s.preparing?.done;
        if (s.busy) await new Promise((resolve) => ['message', 'error', 'exit'].forEach((e) => s.worker.once(e, resolve)));
        await s.worker.terminate();
      }),
    );
  }
}
