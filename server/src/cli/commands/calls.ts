// `irqlens calls <name> --tree … (--incoming|--outgoing)`: call-graph edges, indirect ones with `via` (table.field).
import { Command } from 'commander';
import * as path from 'node:path';
import { checkTrees, collect, type IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';
import { tsvField } from '../tsv';

export function register(program: Command): void {
  withIndexOptions(program.command('calls').description('callers (--incoming) or callees (--outgoing) of a function, through function-pointer tables too'))
    .argument('<name>', 'function name')
    .requiredOption('--tree <tree>', 'a source tree (repeatable)', collect, [])
    .option('--incoming', 'who calls it')
    .option('--outgoing', 'what it calls')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: IndexCliOptions & { tree: string[]; incoming?: boolean; outgoing?: boolean; json?: boolean }) => {
      if (!!opts.incoming === !!opts.outgoing) throw new Error('give exactly one of --incoming or --outgoing');
      const index = await openIndex(opts.tree, opts);
      const edges = opts.incoming ? index.incomingCalls(name) : index.outgoingCalls(name);
      edges.sort((a, b) => (a.via ? 1 : 0) - (b.via ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const rows = edges.map((e) => ({
        name: e.name,
        file: e.file ?? null,
        line: e.line !== undefined ? e.line + 1 : null,
        ...(e.via ? { via: e.via } : {}),
        sites: e.sites.map((s) => ({ file: s.file, line: s.line + 1, col: s.col + 1 })),
      }));
      if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else {
        if (!rows.length) process.stderr.write(`irqlens: no ${opts.incoming ? 'callers' : 'callees'} of ${name}\n`);
        // One line per caller/callee: the tables that bind the same field are listed together, paths are
        // relative to the tree they are in (absolute when several trees were given).
        const roots = checkTrees(opts.tree);
        const show = (f: string) => (roots.length === 1 && !path.relative(roots[0], f).startsWith('..') ? path.relative(roots[0], f) : f);
        const merged = new Map<string, { name: string; where: string; via: string[]; sites: number }>();
        for (const r of rows) {
          const where = r.file ? `${show(r.file)}:${r.line}` : '(no definition)';
          const key = `${r.name}\0${where}\0${r.via ? 'i' : 'd'}`;
          const m = merged.get(key) ?? { name: r.name, where, via: [], sites: r.sites.length };
          if (r.via) m.via.push(r.via);
          merged.set(key, m);
        }
        for (const m of merged.values()) {
          process.stdout.write(`${tsvField(m.name)}\t${tsvField(m.where)}${m.via.length ? `\tvia ${tsvField(m.via.join(', '))}` : ''}\t${m.sites} site(s)\n`);
        }
      }
      await index.dispose();
    });
}
