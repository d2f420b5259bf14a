// An action parameter the scenario does not give takes the action's own default, never the flow parameter's
// default of the same name; a value the scenario's `params` gives explicitly is still inherited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFlows, runScenario } from '@irqlens/models';

const base = { name: 't', title: 't', flow: 'Q1', profile: 'qemu-tcg', set: { 'cpus.0.lapic.tpr': 240 } };

void test('Q1 lower without `with` de-asserts the line (action default level=false wins over the flow default true)', () => {
  const run = runScenario(allFlows, { ...base, params: { source: 'pci-i440fx', pirq: 0 }, actions: [{ do: 'raise' }, { do: 'lower' }], expect: [{ path: 'ioapic.line', equals: [] }] });
  const q13 = run.trace.steps.filter((s) => s.step === 'Q1.3').map((s) => s.branch);
  assert.deepEqual(q13, ['service', 'deasserted']);
  assert.ok(run.passed, run.expectations.map((e) => e.text).join('\n'));
});

void test('a flow parameter the scenario sets explicitly is still inherited by an action that has it', () => {
  // `level: false` in the scenario's params reaches `raise`, whose own default is true: the line never rises.
  const run = runScenario(allFlows, { ...base, params: { source: 'pci-i440fx', pirq: 0, level: false }, actions: [{ do: 'raise' }], expect: [{ path: 'ioapic.line', equals: [] }] });
  assert.match(run.trace.steps[0].why, /INTx state already 0/);
  assert.ok(run.passed);
});

void test('`with` overrides both the scenario params and the defaults', () => {
  const run = runScenario(allFlows, { ...base, params: { source: 'pci-i440fx', pirq: 0, level: false }, actions: [{ do: 'lower', with: { level: true } }], expect: [{ path: 'ioapic.line', equals: [10] }] });
  assert.ok(run.passed, run.expectations.map((e) => e.text).join('\n'));
});
