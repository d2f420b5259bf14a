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

/**
 * A schedule that spreads over several contexts: reschedule IPIs between the two vCPUs of an HVM domain (flow X4), each
 * started on one vCPU's context, with raises, masks and unmasks of its timer ports, events disabled and enabled on
 * either CPU, VM exits and entries; one in ten placed at a step or a hand-off.
 */
export function randomContextsSchedule(events: number, seed: number): Scenario {
  const rng = seeded(seed);
  const actions: ScenarioAction[] = [];
  for (let i = 0; i < events; i++) {
    const cpu = rng.int(0, 1);
    const a: ScenarioAction = rng.pick<ScenarioAction>([
      { do: 'ipi', with: { tcpu: 1 - cpu }, on: `vcpu${cpu}` }, { do: 'ipi', with: { tcpu: cpu }, on: `vcpu${1 - cpu}` },
      { do: 'raise', with: { port: 1 + cpu } }, { do: 'mask', with: { port: 1 + cpu } }, { do: 'unmask', with: { port: 1 + cpu, cpu } },
      { do: 'disable-events', with: { cpu } }, { do: 'enable-events', with: { cpu } }, { do: 'vm-exit', with: { vcpu: cpu } }, { do: 'vm-entry', with: { vcpu: cpu } },
    ]);
    if (rng.bool(0.1)) {
      delete a.on;
      a.at = rng.bool() ? { afterStep: rng.pick(['X1.6@X4', 'X1.9@X4', 'X1.15@X4']) } : { beforeDeferred: 'X1.9@X4' };
    }
    actions.push(a);
  }
  return { name: 'throughput-contexts', title: 'random schedule over several contexts', flow: 'X4', params: { guest: 'hvm' }, actions };
}
