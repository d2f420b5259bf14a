// Core scaling for `npm run bench -- --scaling`: the cold `irqlens index` of a tree (an empty cache folder each time)
// with the parse pool limited to 1, 2 and all cores (IRQLENS_WORKERS, read by parsePool.ts), so the table shows how
// the wall time falls as workers are added and what the extra workers cost in CPU and memory.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { irqlensStats, timed } from './measure';
import { medianRow, roundsFor, type Spread } from './repeats';

export interface ScalingRun extends Spread {
  /** Parse workers (IRQLENS_WORKERS); the main thread merges records besides them. */
  workers: number;
  wallS: number;
  cpuS: number;
  peakRssMiB: number;
  /** Files the run indexed (the same for every worker count, or the runs are not comparable). */
  files?: number;
  /** 1-minute load average when the run started. */
  loadAvg1: number;
}

export interface ScalingResult {
  tree: string;
  /** What "all" meant on this machine (os.availableParallelism()). */
  cores: number;
  runs: ScalingRun[];
}

/** 1, 2 and all cores, without repeats (on a 2-core machine "all" is 2) and never more than the machine has. */
export function workerCounts(cores: number): number[] {
  return [...new Set([1, 2, cores])].filter((n) => n <= Math.max(1, cores)).sort((a, b) => a - b);
}

/** Wall time with one worker divided by wall time with `run.workers`, and that speed-up per worker. */
export function speedUp(result: ScalingResult, run: ScalingRun): { speedUp: number; efficiency: number } | undefined {
  const one = result.runs.find((r) => r.workers === 1);
  if (!one || run.wallS <= 0) return undefined;
  const s = one.wallS / run.wallS;
  return { speedUp: +s.toFixed(2), efficiency: +(s / run.workers).toFixed(2) };
}


const numberOr = (v: unknown) => (typeof v === 'number' ? v : undefined);

/**
 * Runs `node cli index root --cache-dir <empty> --json` once per worker count (cold: the content store starts empty
 * too, so every file is parsed); a tree whose first round was short (repeats.ts) gets `repeat` rounds, the worker
 * counts in turn, and each row is the median run. `log` reports each run as it ends.
 */
export async function measureCoreScaling(cli: string, tree: string, root: string, log: (msg: string) => void, repeat = 1, cores = os.availableParallelism?.() ?? os.cpus().length): Promise<ScalingResult> {
  const counts = workerCounts(cores);
  const samples = new Map<number, ScalingRun[]>(counts.map((w) => [w, []]));
  let rounds = 1;
  for (let round = 0; round < rounds; round++) {
    for (const workers of counts) {
      const cacheDir = mkdtempSync(path.join(os.tmpdir(), `irqlens-scaling-${tree}-`));
      try {
        const loadAvg1 = +os.loadavg()[0].toFixed(2);
        const r = await timed(process.execPath, [cli, 'index', root, '--cache-dir', cacheDir, '--json'], root, { ...process.env, IRQLENS_WORKERS: String(workers) });
        const run: ScalingRun = { workers, wallS: r.wallS, cpuS: r.cpuS, peakRssMiB: r.peakRssMiB, files: numberOr(irqlensStats(r.stdout)?.files), loadAvg1 };
        samples.get(workers)!.push(run);
        log(`${tree}: cold with ${workers} worker${workers === 1 ? '' : 's'}: wall ${run.wallS}s cpu ${run.cpuS}s rss ${run.peakRssMiB} MiB (load ${loadAvg1})`);
      } finally {
        rmSync(cacheDir, { recursive: true, force: true });
      }
    }
    if (round === 0) rounds = roundsFor(counts.map((w) => samples.get(w)![0].wallS), repeat);
  }
  return { tree, cores, runs: counts.map((w) => medianRow(samples.get(w)!)) };
}
