// Measures the event-driven simulator on a random schedule: 10,000 scenario events (sends, masks, unmasks,
// events disabled/enabled, some placed at a step, a hand-off or a clock time) on flow X1, seeded so every run is the
// same, with every step's state changes recorded (pass --no-changes to leave them out). Prints wall and CPU time: on a
// shared machine the CPU time is the figure to compare.
// With --contexts the schedule is X4's (IPIs between the vCPUs of an HVM domain, actions on either vCPU's context).
// On Linux the line also gives the main thread's own CPU time (/proc/thread-self/stat, in clock ticks of 10 ms): the
// rest of the process CPU is V8's compiler and GC helper threads.
// Run: node --import tsx scripts/simulatorThroughput.ts [events] [seed] [--no-changes] [--contexts]

import * as fs from 'node:fs';
import { allFlows, runScenario } from '../models/src/index';
import { randomContextsSchedule, randomSchedule } from './randomSchedule';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const recordChanges = !process.argv.includes('--no-changes');
const events = Number(args[0] ?? 10000);
const scenario = (process.argv.includes('--contexts') ? randomContextsSchedule : randomSchedule)(events, Number(args[1] ?? 1));
/** This thread's user + system CPU in ms, or undefined where /proc/thread-self is not available. */
function threadCpuMs(): number | undefined {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are the 12th and 13th.
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

const main0 = threadCpuMs();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = runScenario(allFlows, scenario, { recordChanges });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const main1 = threadCpuMs();
const mainText = main0 !== undefined && main1 !== undefined ? ` (main thread ${main1 - main0} ms)` : '';
const changes = r.trace.steps.reduce((n, s) => n + s.changes.length, 0);
const contexts = new Set(r.trace.steps.map((s) => s.context ?? 'main')).size;
console.log(`${events} events on ${scenario.flow}, ${r.trace.steps.length} steps on ${contexts} contexts, ${changes} state changes recorded, ${r.trace.outcome.filter((o) => o.kind === 'delivered').length} deliveries, truncated=${r.trace.truncated}: ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU${mainText}`);
