// `irqlens review`: which interrupt-path steps a patch or series touches, and whether it still keeps their contracts.
// Exit 0 with no new error-level finding, 1 with one, 2 on bad input (one line saying why).
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectTree } from '../../engine/index/treeInfo';
import { WorkspaceIndex } from '../../engine/index/workspaceIndex';
import { toB4 } from '../../engine/review/format/b4';
import { toCheckpatch } from '../../engine/review/format/checkpatch';
import { toMarkdown } from '../../engine/review/format/markdown';
import { toSarif } from '../../engine/review/format/sarif';
import { parseMailDiff } from '../../engine/review/diffFiles';
import { gitRange, gitWorkingChanges } from '../../engine/review/gitSource';
import { BadInputError, splitInput } from '../../engine/review/mailSplit';
import { hasNewErrors, reviewMails } from '../../engine/review/reviewSeries';
import { touchedTreeFiles } from '../../engine/review/touchedFiles';
import { ReviewResult } from '../../engine/review/types';
import { checkTrees, collect, IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';
import { openReviewIndex } from '../reviewIndex';

type Format = 'md' | 'json' | 'sarif' | 'b4' | 'checkpatch';
const FORMATS: Format[] = ['md', 'json', 'sarif', 'b4', 'checkpatch'];

interface ReviewCliOptions extends IndexCliOptions {
  tree: string[];
  git?: string;
  staged?: boolean;
  format: string;
  index?: boolean;
  fullIndex?: boolean;
  simulate?: boolean;
}

function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function render(r: ReviewResult, format: Format): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  if (format === 'sarif') return JSON.stringify(toSarif(r, version()), null, 2) + '\n';
  if (format === 'b4') return JSON.stringify(toB4(r), null, 2) + '\n';
  if (format === 'checkpatch') return toCheckpatch(r);
  return toMarkdown(r);
}

export function register(program: Command): void {
  withIndexOptions(
    program
      .command('review [patch]')
      .description('review a patch, an mbox series (.mbox, .mbox.gz; - reads standard input), a git range or the working tree against the interrupt-path contracts; exit 1 on a new error')
      .option('--tree <tree>', 'a source tree the patch applies to (repeatable)', collect, [])
      .option('--git <range>', 'review the commits of a range in the first tree (git format-patch)')
      .option('--staged', 'review the staged changes of the first tree')
      .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'md')
      .option('--no-index', 'do not load the index (no callers beyond the patched files, no macros from other files)')
      .option('--full-index', 'load the whole index of every tree (slower: by default only the files the models link and the headers the patched files include are loaded)')
      .option('--no-simulate', 'do not simulate the consequence of each finding'),
  ).action(async (patch: string | undefined, opts: ReviewCliOptions) => {
    const bad = (why: string): void => {
      process.stderr.write(`irqlens review: ${why}\n`);
      process.exitCode = 2;
    };
    if (!FORMATS.includes(opts.format as Format)) return bad(`unknown format "${opts.format}" (formats: ${FORMATS.join(', ')})`);
    if ([patch !== undefined, opts.git !== undefined, opts.staged === true].filter(Boolean).length > 1) return bad('give one of: a patch file, --git <range>, --staged');
    let roots: string[];
    try {
      roots = checkTrees(opts.tree.length ? opts.tree : [process.cwd()]);
    } catch (e) {
      return bad((e as Error).message);
    }
    let input: Buffer;
    let name: string;
    let readBase: ((abs: string) => string | undefined) | undefined;
    try {
      if (patch === '-') {
        // One message or a series on stdin: how b4 runs an external check (the message piped in, cwd at the tree).
        input = fs.readFileSync(0);
        name = 'standard input';
      } else if (patch !== undefined) {
        if (!fs.existsSync(patch) || !fs.statSync(patch).isFile()) return bad(`no such file: ${patch}`);
        input = fs.readFileSync(patch);
        name = path.basename(patch);
      } else if (opts.git !== undefined) {
        ({ input, readBase } = gitRange(roots[0], opts.git));
        name = opts.git;
      } else {
        ({ input, readBase } = gitWorkingChanges(roots[0], opts.staged === true));
        name = opts.staged ? 'staged changes' : 'working-tree changes';
      }
    } catch (e) {
      return bad(e instanceof BadInputError ? e.message : `cannot read the input: ${(e as Error).message}`);
    }
    let index: WorkspaceIndex | undefined;
    try {
      const { mails, problems } = await splitInput(input, name);
      // b4 pipes the cover letter to a series check: no diff is "nothing to report for this message" (empty output).
      if ((opts.format === 'b4' || opts.format === 'checkpatch') && mails.every((m) => parseMailDiff(m.text).files.length === 0)) {
        if (opts.format === 'b4') process.stdout.write('[]\n');
        return;
      }
      const trees = roots.map(detectTree);
      if (opts.fullIndex) index = await openIndex(roots, opts);
      else if (opts.index !== false) index = await openReviewIndex(trees, touchedTreeFiles(mails, trees), opts);
      const result = reviewMails(mails, { trees: index ? index.trees() : trees, index, readBase, consequences: opts.simulate !== false }, problems);
      process.stdout.write(render(result, opts.format as Format));
      if (hasNewErrors(result)) process.exitCode = 1;
    } catch (e) {
      if (e instanceof BadInputError) return bad(e.message);
      throw e;
    } finally {
      await index?.dispose();
    }
  });
}
