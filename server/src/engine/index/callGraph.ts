// The call graph: callers and callees of a function, direct and through function-pointer fields. An indirect call
// `chip->irq_ack(d)` reaches every function bound to `irq_ack` (`.irq_ack = ack_dynirq`) in a table of the same struct
// type when both types are known; the edge says `via table.field`.
import * as path from 'node:path';
import type { Definitions } from './definitionQueries';
import type { IndexedTrees } from './indexedTrees';
import type { FileRecord } from './fileRecord';
import { bindingAt, directCallAt, indirectCallAt } from './recordViews';
import type { TreeIndex } from './treeIndex';
import type { CallEdge, CallGraphQueries, FunctionBinding } from './types';

export class CallGraph implements CallGraphQueries {
  constructor(
    private readonly trees: IndexedTrees,
    private readonly defs: Definitions,
  ) {}

  /** The struct type a binding belongs to: the table's type, or the assigned receiver's. -1 when unknown. */
  private bindingType(t: TreeIndex, r: FileRecord, element: number): number {
    const b = bindingAt(r, element);
    if (b.isAssignment) return t.receiverType(b.baseTypeId, b.tableId);
    return b.tableTypeId >= 0 ? t.normType(b.tableTypeId) : -1;
  }

  private via(t: TreeIndex, r: FileRecord, element: number): string {
    const b = bindingAt(r, element);
    return b.isAssignment ? `${t.strings[b.tableId]}->${t.strings[b.fieldId]}` : `${t.strings[b.tableId]}.${t.strings[b.fieldId]}`;
  }

  incomingCalls(name: string): CallEdge[] {
    const edges = new Map<string, CallEdge>();
    // Per-query caches: absolute paths of file slots, and the caller's definition seen from a call site's file
    // (static functions of the same name in different files are different callers).
    const absPaths = new Map<string, string>();
    const callerDefs = new Map<string, { file: string; line: number } | undefined>();
    const add = (t: TreeIndex, caller: number, fileSlot: number, line: number, col: number, via?: string) => {
      const r = t.files[fileSlot]!;
      const slotKey = `${t.root}\0${fileSlot}`;
      let abs = absPaths.get(slotKey);
      if (abs === undefined) absPaths.set(slotKey, (abs = path.join(t.root, r.file)));
      let def: { file: string; line: number } | undefined;
      if (caller >= 0) {
        const dk = `${slotKey}\0${caller}`;
        if (callerDefs.has(dk)) def = callerDefs.get(dk);
        else callerDefs.set(dk, (def = this.defs.functionDef(t, caller, fileSlot)));
      } else def = { file: abs, line };
      const callerName = caller >= 0 ? t.strings[caller] : '(file scope)';
      const key = `${t.root}\0${callerName}\0${via ?? ''}\0${def ? `${def.file}:${def.line}` : ''}`;
      let e = edges.get(key);
      if (!e) {
        e = { name: callerName, ...(def ? { file: def.file, line: def.line } : {}), sites: [], ...(via ? { via } : {}) };
        edges.set(key, e);
      }
      e.sites.push({ file: abs, line, col });
    };
    for (const t of this.trees.list) {
      const id = t.ids.get(name);
      if (id === undefined) continue;
      for (const [f, e] of t.lookup('callByCallee', id)) {
        const c = directCallAt(t.files[f]!, e);
        add(t, c.callerId, f, c.line, c.col);
      }
      // Indirect: every binding of this function to a field, then every call through that field.
      for (const [bf, be] of t.lookup('bindByTarget', id)) {
        const br = t.files[bf]!;
        const field = bindingAt(br, be).fieldId;
        const btype = this.bindingType(t, br, be);
        const via = this.via(t, br, be);
        for (const [f, ie] of t.lookup('icallByField', field)) {
          const ic = indirectCallAt(t.files[f]!, ie);
          const ctype = t.receiverType(ic.baseTypeId, ic.receiverId);
          if (btype >= 0 && ctype >= 0 && btype !== ctype) continue;
          add(t, ic.callerId, f, ic.line, ic.col, via);
        }
      }
    }
    return [...edges.values()];
  }

  outgoingCalls(name: string): CallEdge[] {
    const edges = new Map<string, CallEdge>();
    for (const t of this.trees.list) {
      const id = t.ids.get(name);
      if (id === undefined) continue;
      const add = (callee: number, fileSlot: number, line: number, col: number, via?: string) => {
        const key = `${t.root}\0${callee}\0${via ?? ''}`;
        let e = edges.get(key);
        if (!e) {
          const def = this.defs.functionDef(t, callee, fileSlot);
          e = { name: t.strings[callee], ...(def ? { file: def.file, line: def.line } : {}), sites: [], ...(via ? { via } : {}) };
          edges.set(key, e);
        }
        e.sites.push({ file: path.join(t.root, t.files[fileSlot]!.file), line, col });
      };
      for (const [f, e] of t.lookup('callByCaller', id)) {
        const c = directCallAt(t.files[f]!, e);
        add(c.calleeId, f, c.line, c.col);
      }
      for (const [f, ie] of t.lookup('icallByCaller', id)) {
        const ic = indirectCallAt(t.files[f]!, ie);
        const ctype = t.receiverType(ic.baseTypeId, ic.receiverId);
        for (const [bf, be] of t.lookup('bindByField', ic.fieldId)) {
          const br = t.files[bf]!;
          const btype = this.bindingType(t, br, be);
          if (btype >= 0 && ctype >= 0 && btype !== ctype) continue;
          const target = bindingAt(br, be).targetId;
          if (!this.defs.isFunctionName(t, target)) continue;
          add(target, f, ic.line, ic.col, this.via(t, br, be));
        }
      }
    }
    return [...edges.values()];
  }

  /** Every binding of a function to a struct field (`apic_io_ops.write` for apic_mem_write). */
  bindingsOf(name: string): FunctionBinding[] {
    const out: FunctionBinding[] = [];
    for (const t of this.trees.list) {
      const id = t.ids.get(name);
      if (id === undefined) continue;
      for (const [f, e] of t.lookup('bindByTarget', id)) {
        const r = t.files[f]!;
        const b = bindingAt(r, e);
        const st = this.bindingType(t, r, e);
        out.push({
          table: t.strings[b.tableId],
          field: t.strings[b.fieldId],
          ...(st >= 0 ? { structType: t.strings[st] } : {}),
          file: path.join(t.root, r.file),
          line: b.line,
          col: b.col,
          via: this.via(t, r, e),
        });
      }
    }
    return out;
  }
}
