// Measures the event-driven simulator on a random schedule: 10,000 scenario events (sends, masks, unmasks,
// events disabled/enabled, some placed at a step or a clock time) on flow X1, seeded so every run is the same.
// State changes are not recorded (cloning the state per step dominates otherwise).
// Run: node --import tsx scripts/simulatorThroughput.ts [events] [seed]

import { allFlows, runScenario, ScenarioAction } from '../models/src/index';
import { seeded } from '../test/models/seededRandom';

const events = Number(process.argv[2] ?? 10000);
const rng = seeded(Number(process.argv[3] ?? 1));
const actions: ScenarioAction[] = [];
for (let i = 0; i < events; i++) {
  const a: ScenarioAction = rng.pick<ScenarioAction>([
    { do: 'send' }, { do: 'send' }, { do: 'mask', with: { port: 10 } }, { do: 'unmask', with: { port: 10, cpu: 0 } },
    { do: 'disable-events', with: { cpu: 0 } }, { do: 'enable-events', with: { cpu: 0 } },
  ]);
  if (rng.bool(0.05)) a.at = rng.bool() ? { afterStep: rng.pick(['X1.6', 'X1.9', 'X1.15']) } : { afterTime: rng.int(0, events * 10) };
  actions.push(a);
}
const t0 = performance.now();
const r = runScenario(allFlows, { name: 'throughput', title: 'random schedule', flow: 'X1', actions }, { recordChanges: false });
const ms = performance.now() - t0;
console.log(`${events} events, ${r.trace.steps.length} steps, ${r.trace.outcome.filter((o) => o.kind === 'delivered').length} deliveries, truncated=${r.trace.truncated}: ${ms.toFixed(0)} ms`);
