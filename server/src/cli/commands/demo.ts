// `irqlens demo` (what `npm start` runs): index the built-in sample trees, follow an interrupt path through
// its ops tables, resolve model links in the sample, and run a built-in scenario.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, findFlow, runScenario, traceToText } from '@irqlens/models';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { resolveLinks } from '../../engine/links/resolveLinks';
import { packageRoot } from '../../engine/packageRoot';
import { loadScenario } from './simulate';

const CALL_EXAMPLES = ['evtchn_2l_set_pending', 'ack_dynirq', 'apic_mem_write'];
const SCENARIO = 'xen-event-while-masked-then-unmask';

export function register(program: Command): void {
  program
    .command('demo')
    .description('index the built-in sample trees (sample/), follow calls through ops tables, and run a scenario')
    .option('--sample <dir>', 'sample folder holding xen/, linux/ and qemu/ trees', path.join(packageRoot(), 'sample'))
    .action(async (opts: { sample: string }) => {
      const roots = ['xen', 'linux', 'qemu'].map((t) => path.join(opts.sample, t)).filter((t) => fs.existsSync(t));
      if (roots.length === 0) throw new Error(`no sample trees under ${opts.sample}`);
      const out = (s = '') => process.stdout.write(s + '\n');
      const index = await WorkspaceIndex.build({ roots, noCache: true });
      try {
        out('── index (tree-sitter, no build)');
        for (const s of index.stats()) {
          out(`  ${s.codebase.padEnd(6)} ${(s.version ?? '?').padEnd(8)} ${String(s.files).padStart(3)} files ${String(s.functions).padStart(4)} functions ${String(s.calls).padStart(4)} calls  ${path.relative(process.cwd(), s.root)}`);
        }
        out();
        out('── who calls these (incoming, indirect calls resolved through ops tables)');
        for (const name of CALL_EXAMPLES) {
          const edges = index.incomingCalls(name);
          out(`  ${name}`);
          for (const b of index.bindingsOf(name)) out(`    = bound as ${b.via} (${path.relative(opts.sample, b.file)}:${b.line + 1})`);
          if (edges.length === 0) out('    (no callers in the sample)');
          for (const e of edges) {
            const where = e.file ? `${path.relative(opts.sample, e.file)}:${(e.line ?? 0) + 1}` : '';
            out(`    ← ${e.name.padEnd(28)} ${where}${e.via ? `   via ${e.via}` : ''}`);
          }
        }
        out();
        const links = resolveLinks(allFlows, index);
        const x1 = links.filter((l) => l.flow === 'X1' && l.resolved);
        out(`── model links found in the sample: ${links.filter((l) => l.resolved).length} (flow X1: ${new Set(x1.map((l) => l.step)).size} steps)`);
        for (const l of x1.slice(0, 8)) out(`  ${l.step.padEnd(7)} ${l.codebase.padEnd(5)} ${l.symbol.padEnd(28)} ${path.relative(opts.sample, l.file ?? '')}:${l.line}`);
        out();
        const run = runScenario(allFlows, loadScenario(SCENARIO));
        out(`── scenario ${run.scenario.name}: ${run.scenario.title}`);
        if (run.scenario.question) out(`   ${run.scenario.question}`);
        out();
        out(traceToText(run.trace, findFlow(run.scenario.flow)));
        out();
        for (const e of run.expectations) out(`  ${e.ok ? 'ok  ' : 'FAIL'}  ${e.text}`);
        out();
        out('Next: irqlens flows · irqlens scenarios · irqlens simulate --scenario <name> · irqlens links --tree <real tree>');
        if (!run.passed) process.exitCode = 1;
      } finally {
        await index.dispose();
      }
    });
}
