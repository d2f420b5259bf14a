// The flow guide on the real trees: the lenses of Xen's xen/arch/x86/hvm/irq.c (the X6 lens on hvm_assert_evtchn_irq,
// its next step and its hand-off into Linux) and the hover there (branches, worked simulation, what-if), timed once the
// index is ready; then `irqlens lenses` with Xen and Linux, where the hand-off resolves in the Linux tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeLens, MarkupContent } from 'vscode-languageserver-protocol';
import { FlowGuide } from '../../server/src/engine/flowGuide/flowGuide';
import { flowViews } from '../../server/src/engine/flowGuide/flowViews';
import { linkCoverage } from '../../server/src/engine/flowGuide/linkCoverage';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { computeCodeLenses, resolveCodeLens } from '../../server/src/lsp/codeLens';
import { computeHover } from '../../server/src/lsp/hover';
import type { GoToStepArgs } from '../../server/src/protocol/flowMessages';
import { realTrees } from '../support/realTrees';

const repo = path.join(__dirname, '..', '..');
// Shared with the other real-tree tests: the Linux tree is indexed once per machine.
const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'irqlens', 'test-index');

function ms(t0: number): string {
  return `${(performance.now() - t0).toFixed(1)} ms`;
}

void test('real Xen: lenses of hvm/irq.c and the hover of hvm_assert_evtchn_irq, timed after warm-up', { timeout: 20 * 60_000 }, async () => {
  const { xen } = realTrees();
  const file = path.join(xen, 'xen/arch/x86/hvm/irq.c');
  const index = await WorkspaceIndex.build({ roots: [xen], cacheDir, log: () => undefined });
  try {
    index.prepareQueries();
    const guide = new FlowGuide();
    let t0 = performance.now();
    await guide.warmUp();
    console.log(`xen ${index.trees()[0].version}: flow guide warm-up ${ms(t0)}`);

    // What the server answers as soon as the flows are observed (hand-offs not yet known), then the complete set.
    t0 = performance.now();
    const early = computeCodeLenses(guide, index, file, { flows: true, calls: true }, 'ready');
    const earlyRanges = ms(t0);
    t0 = performance.now();
    const ranges = computeCodeLenses(guide, index, file, { flows: true, calls: true });
    const firstRanges = ms(t0);
    t0 = performance.now();
    const again = computeCodeLenses(guide, index, file, { flows: true, calls: true }, 'ready');
    const secondRanges = ms(t0);
    assert.deepEqual(again, ranges, 'once the worked runs are known, the server answers the complete set');
    assert.deepEqual(new Set(early.map((l) => l.range.start.line)), new Set(ranges.map((l) => l.range.start.line)), 'the same lines carry lenses early and late');
    t0 = performance.now();
    const lenses: CodeLens[] = ranges.map((l) => resolveCodeLens(guide, index, l));
    console.log(`irq.c: ${ranges.length} lenses; ranges ${earlyRanges} (server, right after warm-up: ${early.length} lenses), ${firstRanges} (complete, runs hand-offs), ${secondRanges} (again); resolving all ${ms(t0)}`);

    const text = fs.readFileSync(file, 'utf8');
    const defLine = text.split('\n').findIndex((l) => /^void hvm_assert_evtchn_irq\(/.test(l));
    assert.ok(defLine > 0, 'hvm_assert_evtchn_irq is defined in irq.c');
    const titles = lenses.filter((l) => l.range.start.line === defLine).map((l) => l.command?.title ?? '');
    console.log(`hvm_assert_evtchn_irq: ${titles.join(' | ')}`);
    assert.match(titles[0], /^X6 HVM callback variants · step \d+ of \d+ · Xen → Linux$/);
    assert.ok(titles.includes('→ vlapic_set_irq'), 'next: the per-vCPU vector path');
    assert.ok(titles.includes('▶ Simulate from here'));
    assert.ok(titles.some((t) => /^also on \d+ flows: X1 /.test(t)));
    assert.ok(titles.some((t) => /^\d+ callers? · \d+ callees?$/.test(t)));
    const handoff = lenses.find((l) => l.range.start.line === defLine && l.command?.title.startsWith('⇢ Linux: '));
    const link = (handoff?.command?.arguments?.[0] as GoToStepArgs | undefined)?.link;
    assert.equal(link?.codebase, 'linux', 'the path leaves Xen for the Linux guest');
    assert.match(link?.unresolved ?? '', /^no linux tree given/, 'no Linux tree here: the lens says where it is instead');

    const col = text.split('\n')[defLine].indexOf('hvm_assert_evtchn_irq') + 2;
    t0 = performance.now();
    const hover = computeHover(index, file, { line: defLine, character: col }, text, guide);
    const firstHover = ms(t0);
    t0 = performance.now();
    const hover2 = computeHover(index, file, { line: defLine, character: col }, text, guide);
    console.log(`hover on hvm_assert_evtchn_irq: ${firstHover} (first), ${ms(t0)} (again)`);
    assert.deepEqual(hover2, hover);
    const md = (hover?.contents as MarkupContent).value;
    assert.match(md, /^```c\nvoid hvm_assert_evtchn_irq\(struct vcpu \*v\)/);
    assert.match(md, /- branch `percpu-vector` — .* → \[X6\.6 vlapic_set_irq\]/);
    assert.match(md, /- branch `no-upcall-vector` — .* → \[X6\.8 is_hvm_pv_evtchn_domain\]/);
    assert.match(md, /Worked simulation \(default run, xen417-linux61;/);
    assert.match(md, /X6\.6 +vlapic_set_irq +accepted +vlapic\.0\.irr: \[\] → \[243\]/);
    assert.match(md, /What if callback = /);
    assert.ok(md.split('\n').length <= 40, `${md.split('\n').length} lines`);

    // The flows view and the status item on a real tree: every link located or saying why, timed.
    t0 = performance.now();
    const views = flowViews(index, guide.flows);
    const firstFlows = ms(t0);
    t0 = performance.now();
    flowViews(index, guide.flows);
    const xenLinks = views.flatMap((v) => v.steps.flatMap((s) => s.links)).filter((l) => l.codebase === 'xen');
    const located = xenLinks.filter((l) => l.location).length;
    const coverage = linkCoverage(index, guide.flows);
    console.log(`irqlens/flows: ${views.length} flows in ${firstFlows} (first), ${ms(t0)} (again); xen links located ${located}/${xenLinks.length}; coverage ${JSON.stringify(coverage.map((c) => `${c.codebase} ${c.resolved}/${c.total}`))}`);
    assert.equal(coverage[0].resolved, located, 'the status item counts what the flows view locates');
    assert.ok(located / xenLinks.length >= 0.98);
    assert.ok(xenLinks.every((l) => !!l.location !== !!l.unresolved));

    // At a call site the same flow part follows the symbol part.
    const call = text.split('\n').findIndex((l, i) => i > defLine + 10 && /hvm_assert_evtchn_irq\(/.test(l) && !/^void /.test(l));
    if (call > 0) {
      const at = computeHover(index, file, { line: call, character: text.split('\n')[call].indexOf('hvm_assert_evtchn_irq') + 1 }, text, guide);
      assert.match((at?.contents as MarkupContent).value, /step \d+ of \d+ \(`X6\.4`/);
    }
  } finally {
    await index.dispose();
  }
});

void test('irqlens lenses on Xen and Linux: the hand-off from hvm_assert_evtchn_irq resolves in the Linux tree', { timeout: 30 * 60_000 }, () => {
  const { xen, linux } = realTrees();
  const file = path.join(xen, 'xen/arch/x86/hvm/irq.c');
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repo, 'server/src/cli/main.ts'), 'lenses', file, '--tree', xen, '--tree', linux, '--cache-dir', cacheDir, '--json'],
    { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  assert.equal(r.status, 0, r.stderr);
  const lenses = JSON.parse(r.stdout) as CodeLens[];
  const defLine = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => /^void hvm_assert_evtchn_irq\(/.test(l));
  const mine = lenses.filter((l) => l.range.start.line === defLine);
  const handoff = mine.find((l) => l.command?.title.startsWith('⇢ Linux: '));
  const args = handoff?.command?.arguments?.[0] as GoToStepArgs | undefined;
  console.log(`hand-off: ${handoff?.command?.title} → ${JSON.stringify(args?.link.location ?? args?.link.unresolved)}`);
  assert.equal(args?.link.codebase, 'linux');
  assert.ok(args?.link.location?.uri.startsWith('file://' + linux), JSON.stringify(args?.link));
});

void test('irqlens hover on real Xen at hvm_assert_evtchn_irq: its branches and a worked simulation, links shown as titles', { timeout: 20 * 60_000 }, () => {
  const { xen } = realTrees();
  const file = path.join(xen, 'xen/arch/x86/hvm/irq.c');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => /^void hvm_assert_evtchn_irq\(/.test(l));
  const col = lines[line].indexOf('hvm_assert_evtchn_irq') + 1;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repo, 'server/src/cli/main.ts'), 'hover', `${file}:${line + 1}:${col + 1}`, '--tree', xen, '--cache-dir', cacheDir],
    { cwd: repo, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\*\*\[X6 HVM callback variants\]\*\* · step \d+ of \d+ \(`X6\.4` · `evtchn\.hvm_assert`\)/);
  assert.match(r.stdout, /- branch `percpu-vector` — .* → \[X6\.6 vlapic_set_irq\]/);
  assert.match(r.stdout, /Worked simulation \(default run, xen417-linux61;/);
  assert.match(r.stdout, /\[▶ Simulate from here\]/);
  assert.ok(!r.stdout.includes('command:'));
});
