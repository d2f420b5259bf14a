// Reads the V8 CPU profiles (.cpuprofile) of one benchmark run and sums self time per function over all of them, so
// `--profile` prints where the parse workers and the main thread spent their time next to the phase totals.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  selfMs: number;
}

/** Self time per function (name and file) summed over every profile in `dir`, largest first; idle time left out. */
export function summariseProfiles(dir: string, top = 15): { profiles: number; totalMs: number; functions: FunctionTime[] } {
  const self = new Map<string, number>();
  let profiles = 0;
  let totalMs = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    profiles++;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < p.samples.length; i++) {
      const n = byId.get(p.samples[i]);
      if (!n || n.callFrame.functionName === '(idle)') continue;
      const ms = (p.timeDeltas[i] ?? 0) / 1000;
      const file = n.callFrame.url ? path.basename(n.callFrame.url) : '';
      const key = `${n.callFrame.functionName || '(anonymous)'}${file ? ` ${file}` : ''}`;
      self.set(key, (self.get(key) ?? 0) + ms);
      totalMs += ms;
    }
  }
  const functions = [...self].map(([name, selfMs]) => ({ name, selfMs: Math.round(selfMs) })).sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  return { profiles, totalMs: Math.round(totalMs), functions };
}
