// Counts of a fuzz run: inputs tried, crashes (an exception that is not the expected clean rejection), hangs (over the
// time limit) and wrong answers (an invariant broken), with the first few examples of each for the failure message.
export interface FuzzCounts {
  name: string;
  tried: number;
  crashes: string[];
  hangs: string[];
  wrong: string[];
}

export function counts(name: string): FuzzCounts {
  return { name, tried: 0, crashes: [], hangs: [], wrong: [] };
}

/** Long runs (IRQLENS_FUZZ_LONG=1) try many more inputs; the normal run keeps the whole suite under a minute. */
export const LONG = process.env.IRQLENS_FUZZ_LONG === '1';

export function report(c: FuzzCounts): string {
  const line = `fuzz ${c.name}: ${c.tried} inputs tried, ${c.crashes.length} crashes, ${c.hangs.length} hangs, ${c.wrong.length} wrong answers`;
  return [line, ...c.crashes.slice(0, 3), ...c.hangs.slice(0, 3), ...c.wrong.slice(0, 3)].join('\n  ');
}

export function clean(c: FuzzCounts): boolean {
  return c.crashes.length === 0 && c.hangs.length === 0 && c.wrong.length === 0;
}
