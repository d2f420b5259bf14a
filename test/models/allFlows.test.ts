// Checks over every flow and every built-in scenario: every flow present, links on every step,
// a clean default run, and each scenario's expectations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, findFlow, runScenario, simulate, CODEBASES } from '@irqlens/models';

const EXPECTED = ['X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7', 'Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6', 'Q7', 'Q8', 'Q9', 'Q10', 'Q11', 'Q12'];
const scenarioDir = path.join(__dirname, '..', '..', 'models', 'scenarios');

void test('every flow X1–X7, Q1–Q12 is modelled', () => {
  assert.deepEqual(allFlows.map((f) => f.id).sort(), [...EXPECTED].sort());
});

void test('every step of every flow has a link, a role and a unique id', () => {
  const ids = new Set<string>();
  for (const flow of allFlows) {
    assert.ok(flow.steps.length > 1, `${flow.id} has steps`);
    assert.ok(flow.steps.some((s) => s.id === flow.entry), `${flow.id} entry ${flow.entry} is a step`);
    for (const step of flow.steps) {
      assert.ok(!ids.has(step.id), `step id ${step.id} is unique`);
      ids.add(step.id);
      assert.ok(step.links.length > 0, `${step.id} has a link`);
      assert.ok(step.role.trim().length > 10, `${step.id} has a role`);
      for (const l of step.links) {
        assert.ok(CODEBASES.includes(l.codebase), `${step.id} link codebase ${l.codebase}`);
        assert.match(l.symbol, /^[A-Za-z_][A-Za-z0-9_]*$/, `${step.id} link symbol ${l.symbol} is an identifier`);
      }
    }
  }
});

void test('every flow runs from its entry with defaults in every profile, and ends', () => {
  for (const flow of allFlows) {
    for (const p of flow.profiles) {
      const t = simulate(flow, { profile: p.id });
      assert.ok(t.steps.length > 0, `${flow.id}/${p.id} ran`);
      assert.equal(t.truncated, false, `${flow.id}/${p.id} ended`);
      for (const s of t.steps) assert.ok(s.why.length > 0, `${flow.id} ${s.step} says why`);
    }
  }
});

void test('every built-in scenario is valid and passes', () => {
  const files = fs.readdirSync(scenarioDir).filter((f) => f.endsWith('.json') && f !== 'scenario.schema.json');
  assert.ok(files.length >= 12, `found ${files.length} scenarios`);
  for (const f of files) {
    const raw = JSON.parse(fs.readFileSync(path.join(scenarioDir, f), 'utf8'));
    assert.equal(raw.name, f.replace(/\.json$/, ''), `${f}: name matches the file`);
    const run = runScenario(allFlows, raw);
    assert.ok(run.passed, `${f}:\n${run.expectations.filter((e) => !e.ok).map((e) => e.text).join('\n')}`);
    assert.ok((raw.expect ?? []).length > 0, `${f} has expectations`);
  }
});

void test('findFlow is case-insensitive and unknown flows are undefined', () => {
  assert.equal(findFlow('x1')?.id, 'X1');
  assert.equal(findFlow('Z9'), undefined);
});

// The open questions, each answered by a scenario a reader can find by name (issue 3).
const REQUIRED_SCENARIOS = [
  'xen-gsi-callback-only-vcpu0',
  'xen-pvhvm-vector-callback-gain',
  'xen-event-while-masked-then-unmask',
  'qemu-level-eoi-must-reach-ioapic',
  'qemu-directed-eoi',
  'qemu-lvt-timer-vector-236',
  'qemu-apic-poll-irq-other-thread',
  'virtio-event-idx-wraparound',
  'kvm-posted-interrupt-vcpu-running',
  'kvm-posted-interrupt-vcpu-blocked',
  'kvm-posted-interrupt-vcpu-preempted',
];

void test('each open question has its named scenario', () => {
  for (const name of REQUIRED_SCENARIOS) {
    assert.ok(fs.existsSync(path.join(scenarioDir, `${name}.json`)), `models/scenarios/${name}.json exists`);
  }
});
