// Review timing for `npm run bench`: a 30-patch series and a single patch against the full Linux tree with the warm
// index, as `irqlens review` runs them (index from the cache, then review). The patches are made here by editing
// in-memory copies of interrupt-path files (comments and small code edits), never stored.
import { createTwoFilesPatch } from 'diff';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { reviewInput } from '../../server/src/engine/review/reviewSeries';

const FILES = [
  'arch/x86/kvm/vmx/vmx.c', 'arch/x86/kvm/lapic.c', 'arch/x86/kvm/x86.c', 'drivers/xen/events/events_base.c',
  'drivers/xen/events/events_2l.c', 'arch/x86/kernel/apic/io_apic.c', 'virt/kvm/eventfd.c', 'kernel/irq/chip.c',
  'drivers/vhost/vhost.c', 'arch/x86/kvm/ioapic.c',
];

export interface ReviewTiming {
  /** Loading the warm index and its query tables (what the CLI does before reviewing; the server has it ready). */
  indexLoadS: number;
  seriesPatches: number;
  seriesS: number;
  singleS: number;
  /** Index load + review, as a user waits for `irqlens review`. */
  seriesTotalS: number;
  singleTotalS: number;
  findings: number;
}

function mail(n: number, of: number, rel: string, before: string, after: string): string {
  const body = createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before, after);
  const diff = `diff --git a/${rel} b/${rel}\n${body.slice(body.indexOf('--- '))}`;
  return `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Bench <bench@example.org>\nSubject: [PATCH ${n}/${of}] bench edit of ${rel}\n\nbench\n---\n${diff}-- \n2.39.2\n\n`;
}

/** A series of `count` patches, each on top of the previous ones: a comment added above line 100 + 37k. */
export function benchSeries(root: string, count: number): string {
  const current = new Map<string, string>();
  let out = '';
  for (let i = 0; i < count; i++) {
    const rel = FILES[i % FILES.length];
    const before = current.get(rel) ?? fs.readFileSync(path.join(root, rel), 'utf8');
    const lines = before.split('\n');
    lines.splice(Math.min(lines.length - 1, 100 + 37 * i), 0, `/* bench edit ${i} */`);
    const after = lines.join('\n');
    current.set(rel, after);
    out += mail(i + 1, count, rel, before, after);
  }
  return out;
}

export async function measureReview(linuxRoot: string, cacheDir: string): Promise<ReviewTiming> {
  let t = performance.now();
  const index = await WorkspaceIndex.build({ roots: [linuxRoot], cacheDir, noCache: false });
  // The query tables are built on the first query; the server builds them before it says ready, so they belong here.
  index.prepareQueries();
  const indexLoadS = (performance.now() - t) / 1000;
  try {
    const series = benchSeries(linuxRoot, 30);
    t = performance.now();
    const r = await reviewInput(Buffer.from(series), 'bench.mbox', { trees: index.trees(), index });
    const seriesS = (performance.now() - t) / 1000;
    t = performance.now();
    await reviewInput(Buffer.from(benchSeries(linuxRoot, 1)), 'bench.patch', { trees: index.trees(), index });
    const singleS = (performance.now() - t) / 1000;
    const r3 = (x: number) => +x.toFixed(2);
    return {
      indexLoadS: r3(indexLoadS),
      seriesPatches: r.patches.length,
      seriesS: r3(seriesS),
      singleS: r3(singleS),
      seriesTotalS: r3(indexLoadS + seriesS),
      singleTotalS: r3(indexLoadS + singleS),
      findings: r.patches.reduce((n, p) => n + p.findings.length, 0),
    };
  } finally {
    await index.dispose();
  }
}
