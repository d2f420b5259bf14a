// `irqlens refs <name> --tree …`: every occurrence of a name as an identifier (comments and strings excluded).
import { Command } from 'commander';
import { collect, type IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';
import { tsvField } from '../tsv';

export function register(program: Command): void {
  withIndexOptions(program.command('refs').description('references to a name'))
    .argument('<name>', 'symbol name')
    .requiredOption('--tree <tree>', 'a source tree (repeatable)', collect, [])
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: IndexCliOptions & { tree: string[]; json?: boolean }) => {
      const index = await openIndex(opts.tree, opts);
      const refs = index.references(name);
      if (opts.json) process.stdout.write(JSON.stringify(refs.map((r) => ({ ...r, line: r.line + 1, col: r.col + 1 })), null, 2) + '\n');
      else for (const r of refs) process.stdout.write(`${tsvField(r.file)}:${r.line + 1}:${r.col + 1}${r.container ? `\t${tsvField(r.container)}` : ''}\n`);
      await index.dispose();
      if (!refs.length) {
        process.stderr.write(`irqlens: no references to ${name}\n`);
        process.exitCode = 1;
      }
    });
}
