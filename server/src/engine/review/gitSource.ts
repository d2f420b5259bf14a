// Patches from a git work tree through the git CLI: a commit range as a format-patch mailbox, the index (`--staged`)
// or the working tree as one diff, each with a reader of its pre-image files (the checkout on disk already has the
// changes). git's own errors come back as one line.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { BadInputError } from './mailSplit';

function git(cwd: string, args: string[]): Buffer {
  try {
    return execFileSync('git', ['-C', cwd, ...args], { maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    const why = err.stderr?.toString().trim().split('\n')[0] || err.message.split('\n')[0];
    throw new BadInputError(`git ${args[0]} in ${cwd} failed: ${why}`);
  }
}

export interface GitInput {
  input: Buffer;
  /** The text of a file as the patches' pre-image has it (`git show <base>:<path>`), undefined when absent there:
   *  the checkout on disk already holds the changes under review, so it is not the pre-image. */
  readBase(abs: string): string | undefined;
}

function baseReader(cwd: string, rev: string): (abs: string) => string | undefined {
  return (abs) => {
    const rel = path.relative(cwd, abs).split(path.sep).join('/');
    if (rel.startsWith('..')) return undefined;
    try {
      return execFileSync('git', ['-C', cwd, 'show', `${rev}:./${rel}`], { maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
    } catch {
      return undefined; // not in the base: a file the patches create
    }
  };
}

/** The commit a range starts from: `A..B` → A, `A...B` → their merge base, `R` (format-patch's "since R") → R. */
function rangeBase(cwd: string, range: string): string {
  const three = /^(.+?)\.\.\.(.*)$/.exec(range);
  if (three) return git(cwd, ['merge-base', three[1], three[2] || 'HEAD']).toString().trim();
  const two = /^(.*?)\.\.(.*)$/.exec(range);
  return git(cwd, ['rev-parse', '--verify', `${two ? two[1] || 'HEAD' : range}^{commit}`]).toString().trim();
}

/** `git format-patch --stdout <range>`: an mbox, one mail per commit, reviewed against the range's base. */
export function gitRange(cwd: string, range: string): GitInput {
  if (range.startsWith('-')) throw new BadInputError(`not a commit range: ${range}`);
  const input = git(cwd, ['format-patch', '--stdout', '--no-signature', '--binary', '-M', range]);
  if (input.length === 0) throw new BadInputError(`the range ${range} holds no commit`);
  return { input, readBase: baseReader(cwd, rangeBase(cwd, range)) };
}

/** The staged changes (`--staged`, against HEAD) or the working tree's unstaged ones (against the index), as a diff. */
export function gitWorkingChanges(cwd: string, staged: boolean): GitInput {
  const input = git(cwd, ['diff', '--binary', '-M', ...(staged ? ['--cached'] : [])]);
  if (input.length === 0) throw new BadInputError(staged ? 'nothing is staged' : 'the working tree has no change');
  return { input, readBase: baseReader(cwd, staged ? 'HEAD' : '') };
}
