// The consequence of a broken contract: the step run as the broken code behaves (contractViolations.ts) next to the
// kept run, in the scenario that shows most, said in one sentence. The four kinds of breakage, and none claimed for an
// added call the models have no step for.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { allFlows, Contract } from '@irqlens/models';
import { simulateConsequence } from '../../server/src/engine/review/consequence';

function consequenceOf(id: string) {
  for (const f of allFlows) {
    for (const s of f.steps) {
      const c: Contract | undefined = s.id.includes('@') ? undefined : s.contracts?.find((x) => x.id === id);
      if (c) return simulateConsequence(allFlows, f.id, s.id, c);
    }
  }
  throw new Error(`no contract ${id}`);
}

void test('a lost hand-on (no re-delivery at unmask) loses the event', () => {
  assert.match(consequenceOf('X1.23-redeliver')?.sentence ?? '', /^In scenario \S+, without the call to vcpu_mark_events_pending in evtchn_2l_unmask: port \d+ is never delivered to vcpu\d/);
});

void test('a skipped call step (no evtchn_check_pollers) leaves the poller blocked while the event still goes on', () => {
  const c = consequenceOf('X1.6-pollers');
  assert.match(c?.sentence ?? '', /without the call to evtchn_check_pollers in evtchn_2l_set_pending: vcpu\d is never woken by port \d+/);
  assert.doesNotMatch(c?.sentence ?? '', /never delivered/);
});

void test('an order broken as a whole (IRR set after the kick) makes the kicked vCPU miss the vector', () => {
  assert.match(consequenceOf('Q3.3-order')?.sentence ?? '', /with kvm_lapic_set_irr after kvm_vcpu_kick in \w+: vector 0x[0-9a-f]+ is never delivered to vcpu\d/);
});

void test('an added call (doesNotCall) claims no simulated consequence', () => {
  assert.equal(consequenceOf('X5.4-notify'), undefined);
});
