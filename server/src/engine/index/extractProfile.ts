// Where extraction time goes: milliseconds per phase, summed over the files a worker extracted, and the slowest files.
// The build reports them (TreeStats.profile) so that a change to the index can be measured phase by phase; taking the
// times costs a few clock reads per file.
import * as fs from 'node:fs';

export const PHASES = ['read', 'preprocess', 'bodies', 'parse', 'query', 'collect', 'idents', 'pack', 'free', 'defines', 'gc', 'store'] as const;
export type Phase = (typeof PHASES)[number];

export interface SlowFile {
  file: string;
  bytes: number;
  ms: number;
}

export interface PhaseTimes {
  /** Milliseconds per phase. */
  ms: Record<Phase, number>;
  /** CPU time of the workers' threads (everything they did, phases or not), ms; 0 where it cannot be read. */
  threadCpuMs: number;
  files: number;
  bytes: number;
  /** Characters given to tree-sitter (what the lexer left of the files, or all of a file parsed whole). */
  parsed: number;
  /** Files taken from the content store instead of being parsed, and files whose extraction was stored. */
  reused: number;
  stored: number;
  /** The slowest files, slowest first. */
  slowest: SlowFile[];
}

const KEEP_SLOWEST = 20;

/** This thread's CPU time in ms (Linux: /proc/thread-self/schedstat, opened per thread), or undefined elsewhere. */
export const threadCpuMs: () => number | undefined = (() => {
  let fd: number | undefined;
  let failed = false;
  const buf = Buffer.alloc(64);
  return () => {
    if (failed) return undefined;
    try {
      fd ??= fs.openSync('/proc/thread-self/schedstat', 'r');
      const n = fs.readSync(fd, buf, 0, 64, 0);
      return Number(buf.toString('latin1', 0, n).split(' ')[0]) / 1e6;
    } catch {
      failed = true;
      return undefined;
    }
  };
})();

/**
 * The clock phases are measured with: wall time, or with IRQLENS_PROFILE_CPU=1 this thread's CPU time (~10 µs a
 * read), which a busy shared machine does not inflate.
 */
export const clock: () => number = process.env.IRQLENS_PROFILE_CPU === '1' && threadCpuMs() !== undefined ? () => threadCpuMs()! : () => performance.now();

export function emptyPhaseTimes(): PhaseTimes {
  return { ms: Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>, threadCpuMs: 0, files: 0, bytes: 0, parsed: 0, reused: 0, stored: 0, slowest: [] };
}

/** Adds `b` into `a`. */
export function addPhaseTimes(a: PhaseTimes, b: PhaseTimes): void {
  for (const p of PHASES) a.ms[p] += b.ms[p];
  a.threadCpuMs += b.threadCpuMs;
  a.files += b.files;
  a.bytes += b.bytes;
  a.parsed += b.parsed;
  a.reused += b.reused;
  a.stored += b.stored;
  for (const s of b.slowest) noteFile(a, s);
}

/** Keeps `s` when it is among the slowest files seen. */
export function noteFile(t: PhaseTimes, s: SlowFile): void {
  const list = t.slowest;
  if (list.length >= KEEP_SLOWEST && s.ms <= list[list.length - 1].ms) return;
  list.push(s);
  list.sort((x, y) => y.ms - x.ms);
  if (list.length > KEEP_SLOWEST) list.length = KEEP_SLOWEST;
}

/** A running clock over one file: `lap(phase)` charges the time since the previous lap to that phase. */
export class PhaseClock {
  private last = clock();
  private readonly first = this.last;

  constructor(private readonly into: PhaseTimes | undefined) {}

  lap(phase: Phase): void {
    if (!this.into) return;
    const now = clock();
    this.into.ms[phase] += now - this.last;
    this.last = now;
  }

  /** Counts the characters of a parse. */
  parsedChars(n: number): void {
    if (this.into) this.into.parsed += n;
  }

  /** Ends a file taken from the content store (not extracted): counted apart. */
  reused(): void {
    if (this.into) this.into.reused++;
  }

  /** Ends the file: counts it and its size, and keeps it if it is among the slowest. */
  done(file: string, bytes: number): void {
    if (!this.into) return;
    this.into.files++;
    this.into.bytes += bytes;
    noteFile(this.into, { file, bytes, ms: +(clock() - this.first).toFixed(1) });
  }
}
