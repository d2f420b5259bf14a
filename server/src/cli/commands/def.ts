// `irqlens def <name> --tree …`: where a name is defined (functions first, then prototypes, macros, types, variables).
import { Command } from 'commander';
import * as path from 'node:path';
import { collect, type IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';
import { tsvField } from '../tsv';

export function register(program: Command): void {
  withIndexOptions(program.command('def').description('definitions of a name'))
    .argument('<name>', 'symbol name')
    .requiredOption('--tree <tree>', 'a source tree (repeatable)', collect, [])
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: IndexCliOptions & { tree: string[]; json?: boolean }) => {
      const index = await openIndex(opts.tree, opts);
      const defs = index.definitions(name);
      if (opts.json) process.stdout.write(JSON.stringify(defs.map((d) => ({ ...d, path: path.join(d.root, d.file), line: d.nameSpan.line + 1 })), null, 2) + '\n');
      else for (const d of defs) process.stdout.write(`${tsvField(path.join(d.root, d.file))}:${d.nameSpan.line + 1}:${d.nameSpan.col + 1}\t${d.kind}\t${tsvField(d.signature ?? d.name)}\n`);
      await index.dispose();
      if (!defs.length) {
        process.stderr.write(`irqlens: no definition of ${name}\n`);
        process.exitCode = 1;
      }
    });
}
