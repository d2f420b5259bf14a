// Worker-thread entry (esbuild → out/parseWorker.js): extracts batches of files and posts compact records back,
// transferring their typed arrays instead of copying them.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { extractFile } from './extract';
import type { FileRecord } from './fileRecord';

export interface ParseRequest {
  id: number;
  root: string;
  files: string[];
}
export interface ParseReply {
  id: number;
  records: FileRecord[];
}

function transferList(records: FileRecord[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const r of records) {
    for (const a of [r.syms, r.calls, r.icalls, r.binds, r.fieldTypes, r.aliases, r.idents]) if (a.byteLength) out.add(a.buffer as ArrayBuffer);
  }
  return [...out];
}

// Trees live in native memory V8 does not see, and are freed only when their wrapper is collected: without a
// collection now and then a worker holds gigabytes of dead trees while its JS heap looks small.
let gc: (() => void) | undefined;
try {
  v8.setFlagsFromString('--expose-gc');
  gc = vm.runInNewContext('gc') as () => void;
} catch {
  gc = undefined;
}
let sinceGc = 0;
/** A tree takes tens of times its source in native memory: collect after every few MB of source parsed. */
const GC_EVERY_BYTES = 4 * 1024 * 1024;

parentPort?.on('message', (msg: ParseRequest) => {
  void handle(msg);
});

async function handle(msg: ParseRequest): Promise<void> {
  const records: FileRecord[] = [];
  for (const f of msg.files) {
    const r = extractFile(msg.root, f);
    records.push(r);
    sinceGc += r.size;
    if (gc && sinceGc > GC_EVERY_BYTES) {
      sinceGc = 0;
      gc();
      // Native finalizers (the trees' ts_tree_delete) run once the event loop turns.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const reply: ParseReply = { id: msg.id, records };
  parentPort!.postMessage(reply, transferList(records));
}
