// Scenario files are a public interface: a branch name a step had before the KVM vCPU run was split into steps still
// works in an expectation, checked where that decision is taken now; a reused step answers to its own id.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { allFlows, runScenario } from '../../models/src/index';

const builtIn = (name: string) => JSON.parse(readFileSync(path.join(__dirname, '../../models/scenarios', name), 'utf8')) as Record<string, unknown>;

void test('Q10.eoi\'s former EOI-path branches are checked at the steps that take them now', () => {
  const sc = { ...builtIn('kvm-ipi-virtualization-no-exit.json'), name: 'former-branches' };
  const expect = [{ step: 'Q10.eoi', branch: 'virtualized-no-exit' }];
  const input = { ...sc, expect };
  const ok = runScenario(allFlows, input);
  assert.deepEqual(ok.expectations.map((e) => e.ok), [true], ok.expectations.map((e) => e.text).join('; '));
  assert.match(ok.expectations[0].text, /Q4\.6 took no-exit/);
  // The caller's scenario object is left as it was.
  assert.deepEqual(input.expect, [{ step: 'Q10.eoi', branch: 'virtualized-no-exit' }]);
  // The other former names map to decisions this run did not take: they fail, they are not accepted blindly.
  const other = runScenario(allFlows, { ...sc, expect: [{ step: 'Q10.eoi', branch: 'eoi-induced-exit' }, { step: 'Q10.eoi', branch: 'pv-eoi-no-exit' }] });
  assert.deepEqual(other.expectations.map((e) => e.ok), [false, false]);
  // A name the step never had is still refused before the run.
  assert.throws(() => runScenario(allFlows, { ...sc, expect: [{ step: 'Q10.eoi', branch: 'no-such-branch' }] }), /no branch "no-such-branch"/);
});

void test('an expectation naming a reused step by its own id matches the copy in the trace', () => {
  const sc = builtIn('kvm-ipi-virtualization-no-exit.json');
  const r = runScenario(allFlows, { ...sc, expect: [{ step: 'Q4.6', branch: 'no-exit' }, { neverStep: 'Q4.6' }] });
  assert.ok(r.trace.steps.some((s) => s.step === 'Q4.6@Q10'));
  assert.deepEqual(r.expectations.map((e) => e.ok), [true, false]);
});
