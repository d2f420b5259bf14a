// Runs one command under GNU time and returns its wall time, CPU time (user+sys, waited-for children included) and peak RSS.
// GNU time (Debian package `time`) reads the rusage of the whole waited-for process tree, so tools that fork are counted.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Measurement {
  wallS: number;
  userS: number;
  sysS: number;
  cpuS: number;
  /** Largest resident set of any single process of the run (GNU time's %M), in MiB. */
  peakRssMiB: number;
}

export interface TimedRun extends Measurement {
  command: string;
  stdout: string;
  stderrTail: string;
}

/** `%e %U %S %M`: elapsed, user, system seconds and max RSS in KiB; the last line of the -o file holds them. */
export function parseGnuTime(text: string): Measurement {
  const lines = text.trim().split('\n');
  const fields = lines[lines.length - 1].trim().split(/\s+/).map(Number);
  if (fields.length !== 4 || fields.some((n) => !Number.isFinite(n))) {
    throw new Error(`cannot read GNU time output: ${JSON.stringify(text)}`);
  }
  const [wallS, userS, sysS, rssKiB] = fields;
  return { wallS, userS, sysS, cpuS: +(userS + sysS).toFixed(2), peakRssMiB: +(rssKiB / 1024).toFixed(1) };
}

/** Runs `cmd args` in `cwd` under GNU time; rejects with the stderr tail if the command fails. */
export function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<TimedRun> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'irqlens-time-'));
  const timeFile = path.join(scratch, 'time.txt');
  const command = [cmd, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-4000);
    });
    child.on('error', (e) => {
      rmSync(scratch, { recursive: true, force: true });
      reject(e);
    });
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`${command} (in ${cwd}) exited ${code}:\n${err}`);
        const m = parseGnuTime(readFileSync(timeFile, 'utf8'));
        resolve({ ...m, command, stdout: Buffer.concat(out).toString(), stderrTail: err.slice(-1000) });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });
  });
}

/** What `irqlens index --json` printed about its (first) tree: files, functions, calls, profile …; undefined if unreadable. */
export function irqlensStats(stdout: string): Record<string, unknown> | undefined {
  try {
    const j = JSON.parse(stdout) as unknown;
    const first = Array.isArray(j) ? j[0] : (j as { trees?: unknown[] }).trees?.[0] ?? j;
    return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
