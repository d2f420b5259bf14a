// `irqlens symbols <tree>`: every symbol of a tree as TSV `path<TAB>name<TAB>line<TAB>kind` (1-based lines) or JSON.
import { Command } from 'commander';
import { type IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';
import { tsvField } from '../tsv';

const KIND_GROUPS: Record<string, string[]> = {
  function: ['function'],
  macro: ['macro'],
  type: ['struct', 'union', 'enum', 'typedef'],
  variable: ['variable'],
  prototype: ['prototype'],
  enumerator: ['enumerator'],
};

export function register(program: Command): void {
  withIndexOptions(program.command('symbols').description('list the symbols defined in a tree'))
    .argument('<tree>', 'source tree')
    .option('--kind <kind>', `only one kind: ${Object.keys(KIND_GROUPS).join('|')}`)
    .option('--format <format>', 'tsv or json', 'tsv')
    .action(async (tree: string, opts: IndexCliOptions & { kind?: string; format: string }) => {
      if (opts.kind && !KIND_GROUPS[opts.kind]) throw new Error(`unknown kind '${opts.kind}' (use ${Object.keys(KIND_GROUPS).join('|')})`);
      if (opts.format !== 'tsv' && opts.format !== 'json') throw new Error(`unknown format '${opts.format}' (use tsv|json)`);
      const index = await openIndex([tree], opts);
      const kinds = opts.kind ? new Set(KIND_GROUPS[opts.kind]) : undefined;
      const root = index.trees()[0].root;
      // Streamed file by file: full Linux has millions of symbols.
      const out: string[] = [];
      let first = true;
      const flush = (force = false) => {
        if (out.length && (force || out.length > 5000)) {
          process.stdout.write(out.join(''));
          out.length = 0;
        }
      };
      if (opts.format === 'json') out.push('[');
      for (const batch of index.symbolsByFile(root)) {
        for (const s of batch) {
          if (kinds && !kinds.has(s.kind)) continue;
          if (opts.format === 'json') {
            out.push(`${first ? '\n' : ',\n'}${JSON.stringify({ path: s.file, name: s.name, line: s.nameSpan.line + 1, kind: s.kind, ...(s.isStatic ? { static: true } : {}) })}`);
          } else out.push(`${tsvField(s.file)}\t${tsvField(s.name)}\t${s.nameSpan.line + 1}\t${s.kind}\n`);
          first = false;
        }
        flush();
      }
      if (opts.format === 'json') out.push('\n]\n');
      flush(true);
      await index.dispose();
    });
}
