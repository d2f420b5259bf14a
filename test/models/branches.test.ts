// Declared branches (Step.branches) against what the models do: every branch a step takes in the built-in scenarios
// and the default runs must be one it declares, leading where it declares; declarations name real steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, Flow, runScenario, simulate, Trace } from '@irqlens/models';

const scenarioDir = path.join(__dirname, '..', '..', 'models', 'scenarios');

function traces(): Trace[] {
  const out: Trace[] = [];
  for (const f of fs.readdirSync(scenarioDir).filter((n) => n.endsWith('.json') && n !== 'scenario.schema.json')) {
    out.push(runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(scenarioDir, f), 'utf8'))).trace);
  }
  for (const flow of allFlows) for (const p of flow.profiles) out.push(simulate(flow, { profile: p.id }));
  return out;
}

void test('declared branches name steps of their flow, and most steps declare theirs', (t) => {
  let steps = 0;
  let declared = 0;
  let branches = 0;
  for (const flow of allFlows) {
    const ids = new Set(flow.steps.map((s) => s.id));
    for (const s of flow.steps) {
      steps++;
      if (!s.branches) continue;
      declared++;
      branches += s.branches.length;
      assert.ok(s.branches.length > 0, `${s.id} declares at least one branch`);
      for (const b of s.branches) {
        assert.ok(b.name.length > 0 && b.when.trim().length > 0, `${s.id}: branch ${b.name} says when it is taken`);
        if (b.next !== null) assert.ok(ids.has(b.next), `${s.id}: branch ${b.name} leads to ${b.next}, a step of ${flow.id}`);
      }
    }
  }
  t.diagnostic(`${declared} of ${steps} steps declare ${branches} branches`);
  assert.ok(declared >= steps - 5, `${declared} of ${steps} steps declare their branches`);
});

void test('every branch taken in the built-in scenarios and default runs is declared by its step, with its target', () => {
  const flows = new Map<string, Flow<unknown>>(allFlows.map((f) => [f.id, f]));
  let checked = 0;
  for (const trace of traces()) {
    const flow = flows.get(trace.flow)!;
    for (const ts of trace.steps) {
      const step = flow.steps.find((s) => s.id === ts.step);
      if (!step?.branches) continue; // `action:…` entries are direct state changes, not steps
      checked++;
      const same = step.branches.filter((b) => b.name === ts.branch);
      assert.ok(same.length > 0, `${trace.flow} ${ts.step} took branch "${ts.branch}", which it does not declare (declared: ${step.branches.map((b) => b.name).join(', ')})`);
      // null covers a chain that ends, resumes its caller or goes on with the next target.
      assert.ok(same.some((b) => b.next === null || b.next === ts.next), `${trace.flow} ${ts.step} branch "${ts.branch}" led to ${ts.next}, declared ${same.map((b) => b.next).join(' / ')}`);
    }
  }
  assert.ok(checked > 1000, `${checked} executed steps checked`);
});

void test('every declared branch says when in words: no model code, empty lists, doubled words or a text shared by two branches', () => {
  // What run-generated texts held: `ctx.params`, `f!.info.handler`, `String(…)`, `[, ]`, "port port", "was was".
  const modelCode = /\b(?:ctx|String|JSON)[.(]|\b[a-z]+!\.|\b(?:f|r|s|h|m|t|p|d|e|k|i|v|rec|slot|pin|pick|again|cbPin)\.(?!g\.)[a-z_]\w*(?:\.|\[)|\[[a-z]+\]\[|\$\{/;
  const problems: string[] = [];
  for (const flow of allFlows) {
    for (const s of flow.steps) {
      if (s.id.includes('@')) continue; // copies carry their home step's branches
      const seen = new Map<string, string>();
      for (const b of s.branches ?? []) {
        const w = b.when;
        const doubled = /\b([a-z]{2,}) \1\b/i.exec(w);
        if (modelCode.test(w)) problems.push(`${s.id} ${b.name}: model code in "${w}"`);
        if (/\[, *\]|\(, *\)|(?:^|[\s(])\(\)|, *[,)]|\b(?:why0?|tail)$/.test(w)) problems.push(`${s.id} ${b.name}: an empty or cut value in "${w}"`);
        if (doubled) problems.push(`${s.id} ${b.name}: "${doubled[0]}" in "${w}"`);
        const other = seen.get(w);
        if (other !== undefined && other !== b.name) problems.push(`${s.id}: branches ${other} and ${b.name} have the same text "${w}"`);
        seen.set(w, b.name);
      }
    }
  }
  assert.deepEqual(problems, []);
});
