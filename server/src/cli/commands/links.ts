// `irqlens links`: resolve every model link against real trees and report what resolved, where, and why not.
import { Command } from 'commander';
import * as path from 'node:path';
import { allFlows } from '@irqlens/models';
import { resolveLinks, summarizeLinks } from '../../engine/links/resolveLinks';
import { collect, IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';

export function register(program: Command): void {
  withIndexOptions(
    program
      .command('links')
      .description('resolve every model step link to its definition in the given Xen, QEMU and Linux trees')
      .requiredOption('--tree <tree>', 'a source tree (repeatable)', collect, [])
      .option('--unresolved', 'list only the links that did not resolve')
      .option('--json', 'machine-readable output'),
  ).action(async (opts: IndexCliOptions & { tree: string[]; unresolved?: boolean; json?: boolean }) => {
      const index = await openIndex(opts.tree, opts);
      try {
        const links = resolveLinks(allFlows, index);
        const summary = summarizeLinks(links).filter((s) => index.trees().some((t) => t.codebase === s.codebase));
        const shown = opts.unresolved ? links.filter((l) => !l.resolved) : links;
        if (opts.json) {
          process.stdout.write(JSON.stringify({ trees: index.trees(), summary, links: shown }, null, 2) + '\n');
          return;
        }
        const stepW = Math.max(4, ...shown.map((l) => `${l.step}`.length));
        const symW = Math.min(40, Math.max(6, ...shown.map((l) => l.symbol.length)));
        for (const l of shown) {
          const where = l.resolved && l.file && l.tree ? `${path.relative(l.tree, l.file)}:${l.line}` : '';
          const note = l.reason ? `  (${l.reason})` : '';
          process.stdout.write(`${l.resolved ? 'ok  ' : 'MISS'}  ${l.step.padEnd(stepW)}  ${l.codebase.padEnd(5)}  ${l.symbol.padEnd(symW)}  ${where}${note}\n`);
        }
        process.stdout.write('\n');
        for (const t of index.trees()) process.stdout.write(`tree ${t.root}: ${t.codebase} ${t.version ?? '(version unknown)'}\n`);
        for (const s of summary) process.stdout.write(`${s.codebase.padEnd(5)} ${s.resolved}/${s.total} links resolve (${(100 * s.ratio).toFixed(1)}%)\n`);
      } finally {
        await index.dispose();
      }
    });
}
