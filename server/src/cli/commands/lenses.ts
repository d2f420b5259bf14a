// `irqlens lenses <file> --tree …`: the lenses the editor shows above each function of a file, resolved, through the
// language server's own code (lsp/codeLens.ts): one line per function, its lens titles joined as the editor joins them.
// The complete set, as the editor shows it once the server has run the flows (right after start it may show fewer).
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FlowGuide } from '../../engine/flowGuide/flowGuide';
import { treeOfFile } from '../../engine/flowGuide/fileCodebase';
import { computeCodeLenses, resolveCodeLens } from '../../lsp/codeLens';
import { collect, type IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';

export function register(program: Command): void {
  withIndexOptions(program.command('lenses').description('the lenses above each function of a file, as the editor shows them'))
    .argument('<file>', 'a C file inside one of the trees')
    .requiredOption('--tree <tree>', 'a source tree (repeatable)', collect, [])
    .option('--no-flows', 'leave out the flow lenses (irqlens.lens.flows = false)')
    .option('--no-calls', 'leave out the callers/callees lens (irqlens.lens.calls = false)')
    .option('--json', 'the resolved LSP CodeLens objects')
    .action(async (fileArg: string, opts: IndexCliOptions & { tree: string[]; flows: boolean; calls: boolean; json?: boolean }) => {
      const file = path.resolve(fileArg);
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new Error(`not a file: ${fileArg}`);
      const index = await openIndex(opts.tree, opts);
      try {
        const tree = treeOfFile(index.trees(), file);
        if (!tree) throw new Error(`${fileArg} is in none of the trees given (--tree)`);
        const guide = new FlowGuide();
        const lenses = computeCodeLenses(guide, index, file, { flows: opts.flows, calls: opts.calls }).map((l) => resolveCodeLens(guide, index, l));
        if (opts.json) {
          process.stdout.write(JSON.stringify(lenses, null, 2) + '\n');
          return;
        }
        const names = new Map(index.fileSymbols(file).map((d) => [`${d.nameSpan.line}:${d.nameSpan.col}`, d.name]));
        const byLine = new Map<number, { name: string; titles: string[] }>();
        for (const l of lenses) {
          const key = l.range.start.line;
          const row = byLine.get(key) ?? { name: names.get(`${key}:${l.range.start.character}`) ?? '?', titles: [] };
          if (l.command?.title) row.titles.push(l.command.title);
          byLine.set(key, row);
        }
        process.stdout.write(`${path.relative(tree.root, file)} (${tree.codebase} ${tree.version ?? ''})\n`);
        for (const [line, row] of [...byLine].sort((a, b) => a[0] - b[0])) {
          process.stdout.write(`${String(line + 1).padStart(5)}  ${row.name}\n       ${row.titles.join(' | ')}\n`);
        }
      } finally {
        await index.dispose();
      }
    });
}
