// What an index says about one tree, as sorted lines that two indexes of the same files must share exactly: every
// symbol, and for every function its callers, callees and function-pointer bindings. Used to check that an index built
// from caches (tree cache, content store, after a checkout or an eviction) equals a cold index of the same tree.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

export interface IndexSnapshot {
  symbols: string[];
  calls: string[];
}

function sortedJson(items: unknown[]): string[] {
  return items.map((x) => JSON.stringify(x)).sort();
}

export function indexSnapshot(idx: WorkspaceIndex, root: string): IndexSnapshot {
  const symbols = [...idx.allSymbols(root)];
  const functions = [...new Set(symbols.filter((s) => s.kind === 'function').map((s) => s.name))].sort();
  return {
    symbols: sortedJson(symbols),
    calls: functions.map((f) => JSON.stringify([f, sortedJson(idx.incomingCalls(f)), sortedJson(idx.outgoingCalls(f)), sortedJson(idx.bindingsOf(f))])),
  };
}

/** Indexes one tree (two workers; no cache without `cacheDir`) and returns its stats and snapshot, index disposed. */
export async function indexTree(root: string, cacheDir: string | undefined, cacheLimitBytes?: number) {
  const idx = await WorkspaceIndex.build({ roots: [root], cacheDir, noCache: !cacheDir, cacheLimitBytes, workers: 2 });
  const [stats] = idx.stats();
  const snap = indexSnapshot(idx, stats.root);
  await idx.dispose();
  return { stats, snap };
}

/** The snapshot of a cold index of the tree (no cache read or written): what every reuse path must equal. */
export async function coldSnapshot(root: string): Promise<IndexSnapshot> {
  return (await indexTree(root, undefined)).snap;
}

/**
 * A small tree of our own: `n` driver files calling each other through a shared header and ops tables. `version(i)`
 * picks a variant per file (0 = the first); a variant adds a function and changes a call, so its bytes and its
 * symbols differ.
 */
export function writeDriverTree(dir: string, n: number, version: (i: number) => number = () => 0): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'common.h'),
    'struct irq_data { struct irq_chip *chip; int irq; };\n' +
      'struct irq_chip { void (*irq_ack)(struct irq_data *d); void (*irq_mask)(struct irq_data *d); };\n' +
      'int common_count(int x);\n',
  );
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `drv${i}.c`), driverFile(i, n, version(i)));
}

export function driverFile(i: number, n: number, v: number): string {
  const next = (i + 1) % n;
  const extra = v ? `\nint drv${i}_v${v}_extra(struct irq_data *d)\n{\n  d->chip->irq_mask(d);\n  return common_count(${v});\n}\n` : '';
  return (
    `#include "common.h"\n\nstatic int helper${i}(int x)\n{\n  return common_count(x + ${i});\n}\n\n` +
    `void drv${i}_ack(struct irq_data *d)\n{\n  d->chip->irq_mask(d);\n}\n\n` +
    `int drv${i}_handle(struct irq_data *d)\n{\n  drv${next}_ack(d);\n  return helper${i}(${v ? `drv${i}_v${v}_extra(d)` : '1'});\n}\n\n` +
    `static const struct irq_chip chip${i} = {\n  .irq_ack = drv${i}_ack,\n};\n` +
    extra
  );
}
