// Worker-thread entry (esbuild → out/parseWorker.js): extracts batches of files and posts compact records back,
// transferring their typed arrays (packed into one buffer per batch) instead of copying them. The records of a batch
// share one string table (a name used by many files of the batch crosses threads once).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { ContentStore, type StoreRef } from './contentStore';
import { cParser, extractQuery } from './cParse';
import { extractFile } from './fileExtract';
import { clock, emptyPhaseTimes, type PhaseTimes, threadCpuMs } from './extractProfile';
import { type FileRecord, mapRecordIds } from './fileRecord';
import { packRecords } from './recordArena';
import { type SharedStrings, sharedStrings } from './recordBuilder';
import { warmExtraction } from './workerWarmup';

export interface ParseRequest {
  id: number;
  root: string;
  files: string[];
  /** The content store (its packs folder and shared table), when files are looked up there before being parsed. */
  store?: StoreRef;
  /** Compile the parser and query now and say when done (ParsePool.prepare: the pool has no files to send yet). */
  prepare?: true;
}
export interface PreparedReply {
  prepared: true;
}
export interface ParseReply {
  id: number;
  /** Records whose string ids index `strings` (no `strings` of their own). */
  records: FileRecord[];
  /** The batch's string table. */
  strings: string[];
  /** Time per phase over this batch. */
  times: PhaseTimes;
}

/**
 * Moves a record from its own string table to the batch's (`batch`); a record without one already indexes the
 * batch's. A table kept across batches crossed even fewer strings but made every full collection mark it (slower on
 * QEMU).
 */
function intoBatchTable(r: FileRecord, batch: SharedStrings): void {
  const local = r.strings;
  if (!local) return;
  const map = new Int32Array(local.length);
  for (let i = 0; i < local.length; i++) {
    const s = local[i];
    let id = batch.ids.get(s);
    if (id === undefined) {
      id = batch.strings.length;
      batch.ids.set(s, id);
      batch.strings.push(s);
    }
    map[i] = id;
  }
  mapRecordIds(r, map);
  delete r.strings;
}

// Trees live in native memory V8 does not see, and are freed only when their wrapper is collected: without a
// collection now and then a worker holds gigabytes of dead trees while its JS heap looks small.
let gc: ((opts?: { type: 'minor' | 'major' }) => void) | undefined;
try {
  v8.setFlagsFromString('--expose-gc');
  gc = vm.runInNewContext('gc') as typeof gc;
} catch {
  gc = undefined;
}
let sinceGc = 0;
let sinceMajor = 0;
/**
 * A tree takes tens of times its text in native memory: collect after every MB of text parsed. A minor collection
 * (the young generation, where the wrappers of trees just used still are) frees most trees for a fraction of a full
 * one; a full one every 4 MB (as before) frees those whose wrappers were promoted, which bounds the native memory held.
 * A full collection only every 32 MB lost that bound: Linux peaked at 1.48 GB. The text counted is what tree-sitter
 * parsed (a seventh of QEMU's source, the lexer reading the rest), not the files' sizes: files read by the `#define`
 * scan or with their bodies left out build small trees or none, and collecting after each MB of them was most of the
 * collections.
 */
const GC_EVERY_BYTES = 1024 * 1024;
const MAJOR_EVERY_BYTES = 4 * 1024 * 1024;

/** Set to 1 by the pool when the build is aborted: the batch ends after the current file (see ParsePool.stopWorkers). */
const stop = (workerData as { stop?: Int32Array } | null)?.stop;

/** Set to 1 by the pool when it terminates this worker: a compile under way ends at its next step. */
const cancel = (workerData as { cancel?: Int32Array } | null)?.cancel;
const cancelled = () => (stop !== undefined && Atomics.load(stop, 0) !== 0) || (cancel !== undefined && Atomics.load(cancel, 0) !== 0);

parentPort?.on('message', (msg: ParseRequest) => {
  if (msg.prepare) {
    // Step by step, each ending in JavaScript: a pool that terminates this worker sets `cancel` first and waits for
    // this reply, which then comes after the current step (terminating inside tree-sitter aborts the process).
    for (const step of [cParser, extractQuery, () => warmExtraction(cancelled)]) {
      if (cancelled()) break;
      step();
    }
    const reply: PreparedReply = { prepared: true };
    parentPort!.postMessage(reply);
  } else void handle(msg);
});

/** Thread CPU time already reported: each reply carries what the thread used since the previous one. */
let cpuReported = 0;

async function handle(msg: ParseRequest): Promise<void> {
  warmExtraction();
  const records: FileRecord[] = [];
  const times = emptyPhaseTimes();
  // Parsed files intern their names here directly; records with tables of their own are moved into it.
  const shared = sharedStrings();
  // A view per batch (cheap: the table is shared memory); the batch's new entries become one pack.
  const store = msg.store ? new ContentStore(msg.store.dir, msg.store.table) : undefined;
  try {
    for (const f of msg.files) {
      if (stop && Atomics.load(stop, 0) !== 0) break;
      const reusedBefore = times.reused;
      const parsedBefore = times.parsed;
      const r = extractFile(msg.root, f, times, store, shared);
      intoBatchTable(r, shared);
      records.push(r);
      // A record from the store built no tree.
      if (times.reused !== reusedBefore) continue;
      sinceGc += times.parsed - parsedBefore;
      sinceMajor += times.parsed - parsedBefore;
      if (gc && sinceGc > GC_EVERY_BYTES) {
        const g0 = clock();
        sinceGc = 0;
        if (sinceMajor < MAJOR_EVERY_BYTES) gc({ type: 'minor' });
        else {
          sinceMajor = 0;
          gc();
        }
        // Native finalizers (the trees' ts_tree_delete) run once the event loop turns.
        await new Promise((resolve) => setImmediate(resolve));
        times.ms.gc += clock() - g0;
      }
    }
  } finally {
    // The packs read from are closed even if the batch ends on an exception (flush closes them too).
    store?.closeReads();
  }
  if (store) {
    const f0 = clock();
    try {
      times.stored += store.flush();
    } catch {
      // A full disk or a removed cache folder: the tree's own cache still holds the records.
    }
    times.ms.store += clock() - f0;
  }
  const cpu = threadCpuMs();
  if (cpu !== undefined) {
    times.threadCpuMs = cpu - cpuReported;
    cpuReported = cpu;
  }
  // The batch's arrays in one buffer, transferred whole (not seven per file).
  const arena = packRecords(records);
  const reply: ParseReply = { id: msg.id, records, strings: shared.strings, times };
  parentPort!.postMessage(reply, arena.byteLength ? [arena] : []);
}
