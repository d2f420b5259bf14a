// Runs a TypeScript script in a child process under a deadline and returns its JSON output lines, so that a test of
// "this must not hang" fails with the name of the input that was running instead of hanging the test run.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface DeadlineRun<T> {
  lines: T[];
  timedOut: boolean;
  stderr: string;
}

export function runWithDeadline<T>(script: string, args: string[], deadlineMs: number): Promise<DeadlineRun<T>> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', () => {
      clearTimeout(timer);
      const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
      resolve({ lines, timedOut, stderr: err });
    });
  });
}
