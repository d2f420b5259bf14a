// `irqlens hover <file>:<line>:<col> --tree …`: the hover the editor shows at a position, through the language server's
// own code (lsp/hover.ts): the signature and comment, and for a function on an interrupt flow, the flow part. Text
// output shows the markdown with command links reduced to their titles, as the editor renders them.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MarkupContent } from 'vscode-languageserver';
import { FlowGuide } from '../../engine/flowGuide/flowGuide';
import { computeHover } from '../../lsp/hover';
import { collect, type IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';

/** `file:line:col`, 1-based as compilers print them; the file part may itself contain colons. */
export function parsePosition(arg: string): { file: string; line: number; character: number } {
  const m = /^(.*):(\d+):(\d+)$/.exec(arg);
  if (!m || Number(m[2]) < 1 || Number(m[3]) < 1) throw new Error(`give a position as <file>:<line>:<col> (1-based), not "${arg}"`);
  return { file: path.resolve(m[1]), line: Number(m[2]) - 1, character: Number(m[3]) - 1 };
}

export function register(program: Command): void {
  withIndexOptions(program.command('hover').description('the hover at a position, as the editor shows it'))
    .argument('<position>', '<file>:<line>:<col>, 1-based')
    .requiredOption('--tree <tree>', 'a source tree (repeatable)', collect, [])
    .option('--json', 'the LSP Hover object (markdown with command links)')
    .action(async (arg: string, opts: IndexCliOptions & { tree: string[]; json?: boolean }) => {
      const pos = parsePosition(arg);
      if (!fs.existsSync(pos.file) || !fs.statSync(pos.file).isFile()) throw new Error(`not a file: ${pos.file}`);
      const index = await openIndex(opts.tree, opts);
      try {
        const hover = computeHover(index, pos.file, { line: pos.line, character: pos.character }, fs.readFileSync(pos.file, 'utf8'), new FlowGuide());
        if (opts.json) process.stdout.write(JSON.stringify(hover, null, 2) + '\n');
        else if (!hover) {
          process.stderr.write(`irqlens: nothing to show at ${arg}\n`);
          process.exitCode = 1;
        } else {
          const md = (hover.contents as MarkupContent).value;
          process.stdout.write(md.replace(/\]\(command:[^)]*\)/g, ']') + '\n');
        }
      } finally {
        await index.dispose();
      }
    });
}
