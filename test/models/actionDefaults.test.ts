// Every action of every flow: a parameter the scenario does not give reaches the action's first step (or its direct
// state change) with the action's own default, never the flow parameter's default of the same name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActionSpec, allFlows, Flow, ModelError, ParamValues, runScenario } from '@irqlens/models';

/** Stops the run once the parameters are seen: the test is about what the action receives, not what it does. */
class Captured extends ModelError {
  constructor(readonly params: ParamValues) {
    super('captured');
  }
}

/** The flow with the action's entry (its `from` step, or its `apply`) replaced by one that reports its parameters. */
function capturing(flow: Flow<unknown>, action: ActionSpec<unknown>): Flow<unknown> {
  const spy = (params: ParamValues): never => { throw new Captured({ ...params }); };
  if (action.apply) return { ...flow, actions: flow.actions.map((a) => (a === action ? { ...a, apply: (_s, p) => spy(p) } : a)) };
  const start = flow.steps.find((s) => s.id === action.from) ?? flow.steps.find((s) => s.links.some((l) => l.symbol === action.from));
  assert.ok(start, `${flow.id} ${action.name}: start step ${action.from} exists`);
  return { ...flow, steps: flow.steps.map((s) => (s === start ? { ...s, run: (ctx) => spy(ctx.params) } : s)) };
}

void test('an action parameter the scenario does not give takes the action default, on every action of every flow', () => {
  let checked = 0;
  let overlapping = 0;
  for (const flow of allFlows) {
    for (const action of flow.actions) {
      const flows = allFlows.map((f) => (f === flow ? capturing(flow, action) : f));
      let seen: ParamValues | undefined;
      try {
        runScenario(flows, { name: 't', title: 't', flow: flow.id, actions: [{ do: action.name }] });
      } catch (e) {
        if (e instanceof Captured) seen = e.params;
        else throw new Error(`${flow.id} ${action.name}: ${(e as Error).message}`);
      }
      assert.ok(seen, `${flow.id} ${action.name}: the action's entry never ran`);
      for (const p of action.params) {
        assert.deepEqual(seen[p.name], p.default, `${flow.id} ${action.name}: parameter ${p.name} = ${JSON.stringify(seen[p.name])}, action default ${JSON.stringify(p.default)}`);
        checked++;
        const flowParam = flow.params.find((f) => f.name === p.name);
        if (flowParam && flowParam.default !== p.default) overlapping++;
      }
    }
  }
  // The check matters where both declare the name with different defaults (Q1 lower's level, Q3 eoi's vcpu …).
  assert.ok(overlapping > 5, `only ${overlapping} parameters differ from the flow default of the same name`);
  assert.ok(checked > 200, `${checked} parameters checked`);
});
