// The throughput measure's random schedule on flow X1: sends, masks, unmasks, events disabled/enabled, one in twenty
// placed at a step, a hand-off or a clock time; seeded, so a seed always gives the same scenario.

import { Scenario, ScenarioAction } from '../models/src/index';
import { seeded } from '../test/models/seededRandom';

export function randomSchedule(events: number, seed: number): Scenario {
  const rng = seeded(seed);
  const actions: ScenarioAction[] = [];
  for (let i = 0; i < events; i++) {
    const a: ScenarioAction = rng.pick<ScenarioAction>([
      { do: 'send' }, { do: 'send' }, { do: 'mask', with: { port: 10 } }, { do: 'unmask', with: { port: 10, cpu: 0 } },
      { do: 'disable-events', with: { cpu: 0 } }, { do: 'enable-events', with: { cpu: 0 } },
    ]);
    if (rng.bool(0.05)) {
      const kind = rng.int(0, 2);
      a.at = kind === 0 ? { afterStep: rng.pick(['X1.6', 'X1.9', 'X1.15']) } : kind === 1 ? { beforeDeferred: 'X1.9' } : { afterTime: rng.int(0, events * 10) };
    }
    actions.push(a);
  }
  return { name: 'throughput', title: 'random schedule', flow: 'X1', actions };
}
