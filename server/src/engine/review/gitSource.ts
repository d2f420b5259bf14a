// Patches from a git work tree through the git CLI: a commit range as a format-patch mailbox, the index (`--staged`)
// or the working tree as one diff. git's own errors come back as one line.
import { execFileSync } from 'node:child_process';
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

/** `git format-patch --stdout <range>`: an mbox, one mail per commit. */
export function gitRange(cwd: string, range: string): Buffer {
  if (range.startsWith('-')) throw new BadInputError(`not a commit range: ${range}`);
  const out = git(cwd, ['format-patch', '--stdout', '--no-signature', '--binary', '-M', range]);
  if (out.length === 0) throw new BadInputError(`the range ${range} holds no commit`);
  return out;
}

/** The staged changes (`--staged`) or the working tree's unstaged ones, as a diff. */
export function gitWorkingChanges(cwd: string, staged: boolean): Buffer {
  const out = git(cwd, ['diff', '--binary', '-M', ...(staged ? ['--cached'] : [])]);
  if (out.length === 0) throw new BadInputError(staged ? 'nothing is staged' : 'the working tree has no change');
  return out;
}
