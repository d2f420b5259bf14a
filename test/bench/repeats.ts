// Repeated timings for `npm run bench`: a run of a second or two on a shared two-core machine varies by a third from
// one run to the next (a neighbour's burst, a write-back), so short trees are timed several times, the tools in turn,
// and each tool's row is its median run. Long trees are timed once: their runs vary by a few percent.
import type { Measurement } from './measure';

/** Trees whose first round took less than this (the slowest tool's wall time) are timed `repeat` times. */
export const REPEAT_BELOW_S = 15;

/** Rounds to run after the first: `repeat` when the first round was short, else one round in all. */
export function roundsFor(firstRoundWallS: number[], repeat: number): number {
  if (repeat <= 1 || firstRoundWallS.length === 0) return 1;
  return Math.max(...firstRoundWallS) < REPEAT_BELOW_S ? repeat : 1;
}

export interface Repeated<T> {
  /** The run with the median wall time (of an even count, the lower of the two middle runs). */
  median: T;
  runs: number;
  wallMinS: number;
  wallMaxS: number;
}

/** The median run by wall time, kept whole (its CPU and RSS are those of the same run, not medians of their own). */
export function medianRun<T extends Pick<Measurement, 'wallS'>>(samples: T[]): Repeated<T> {
  if (samples.length === 0) throw new Error('medianRun: no runs');
  const sorted = [...samples].sort((a, b) => a.wallS - b.wallS);
  return { median: sorted[Math.floor((sorted.length - 1) / 2)], runs: sorted.length, wallMinS: sorted[0].wallS, wallMaxS: sorted[sorted.length - 1].wallS };
}

/** What a row timed several times carries besides its median run's own numbers. */
export interface Spread {
  /** Times the row was timed (absent: once). */
  runs?: number;
  wallMinS?: number;
  wallMaxS?: number;
}

/** The row for `samples`: the median run, with how many runs there were and their range when more than one. */
export function medianRow<T extends Pick<Measurement, 'wallS'>>(samples: T[]): T & Spread {
  const m = medianRun(samples);
  return m.runs > 1 ? { ...m.median, runs: m.runs, wallMinS: m.wallMinS, wallMaxS: m.wallMaxS } : m.median;
}
