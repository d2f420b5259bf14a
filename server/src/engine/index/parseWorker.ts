// Worker-thread entry (esbuild → out/parseWorker.js): extracts batches of files and posts compact records back,
// transferring their typed arrays instead of copying them.
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

parentPort?.on('message', (msg: ParseRequest) => {
  const records = msg.files.map((f) => extractFile(msg.root, f));
  const reply: ParseReply = { id: msg.id, records };
  parentPort!.postMessage(reply, transferList(records));
});
