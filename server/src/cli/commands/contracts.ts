// `irqlens contracts`: check every model contract on the real function bodies of the given trees; exit 1 if any broke.
import { Command } from 'commander';
import * as path from 'node:path';
import { allFlows } from '@irqlens/models';
import { checkContracts, ContractResult, summarizeContracts } from '../../engine/contracts/checkContracts';
import { collect, IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';

const LABEL: Record<ContractResult['status'], string> = { kept: 'ok    ', broken: 'BROKEN', unresolved: '??    ' };

export function register(program: Command): void {
  withIndexOptions(
    program
      .command('contracts')
      .description('check every model contract (calls, call order, mentions, forbidden calls) on the function bodies in the given trees; exit 1 if one is broken')
      .requiredOption('--tree <tree>', 'a source tree (repeatable)', collect, [])
      .option('--broken', 'list only the contracts that are broken or could not be checked')
      .option('--json', 'machine-readable output'),
  ).action(async (opts: IndexCliOptions & { tree: string[]; broken?: boolean; json?: boolean }) => {
      const index = await openIndex(opts.tree, opts);
      try {
        const results = checkContracts(allFlows, index);
        const summary = summarizeContracts(results).filter((s) => index.trees().some((t) => t.codebase === s.codebase));
        const shown = opts.broken ? results.filter((r) => r.status !== 'kept') : results;
        if (opts.json) {
          process.stdout.write(JSON.stringify({ trees: index.trees(), summary, contracts: shown }, null, 2) + '\n');
        } else {
          const stepW = Math.max(4, ...shown.map((r) => r.step.length));
          const idW = Math.min(40, Math.max(8, ...shown.map((r) => r.contract.length)));
          const symW = Math.min(40, Math.max(6, ...shown.map((r) => r.symbol.length)));
          const whereOf = (r: ContractResult) => (r.file && r.tree ? `${path.relative(r.tree, r.file)}:${r.line}` : '');
          const whereW = Math.min(60, Math.max(0, ...shown.map((r) => whereOf(r).length)));
          for (const r of shown) {
            const why = r.evidence?.summary ?? r.reason ?? '';
            process.stdout.write(`${LABEL[r.status]}  ${r.step.padEnd(stepW)}  ${r.codebase.padEnd(5)}  ${r.contract.padEnd(idW)}  ${r.symbol.padEnd(symW)}  ${whereOf(r).padEnd(whereW)}  ${why}\n`);
          }
          process.stdout.write('\n');
          for (const t of index.trees()) process.stdout.write(`tree ${t.root}: ${t.codebase} ${t.version ?? '(version unknown)'}\n`);
          for (const s of summary) process.stdout.write(`${s.codebase.padEnd(5)} ${s.kept}/${s.total} contracts kept, ${s.broken} broken, ${s.unresolved} unresolved\n`);
        }
        // Broken contracts fail the run (CI bots); unresolved ones (no tree, no definition) are reported, not failed.
        if (results.some((r) => r.status === 'broken')) process.exitCode = 1;
      } finally {
        await index.dispose();
      }
    });
}
