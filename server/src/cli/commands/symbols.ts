// `irqlens symbols <tree>`: every symbol of a tree as TSV `path<TAB>name<TAB>line<TAB>kind` (1-based lines) or JSON.
import { Command } from 'commander';
import { type IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';

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
      const rows = [...index.allSymbols(root)].filter((s) => !kinds || kinds.has(s.kind));
      rows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.nameSpan.line - b.nameSpan.line));
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(rows.map((s) => ({ path: s.file, name: s.name, line: s.nameSpan.line + 1, kind: s.kind, ...(s.isStatic ? { static: true } : {}) }))) + '\n');
      } else {
        const lines = rows.map((s) => `${s.file}\t${s.name}\t${s.nameSpan.line + 1}\t${s.kind}`);
        process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
      }
      await index.dispose();
    });
}
