// The simulation panel's message checks (both directions) and the per-step state table the view derives from a trace.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkToExtension, checkToView, type PanelState } from '../../client/src/simulation/panelMessages';
import { stateAfter } from '../../client/webview/stateTable';
import { allFlows, findFlow, simulate } from '@irqlens/models';
import type { TraceStepView } from '../../server/src/protocol/flowMessages';

const state: PanelState = { request: { flow: 'X1', from: 'X1.1' }, stepIndex: 0, title: 'X1 from X1.1' };

void test('messages from the view: known kinds pass, unknown kinds and bad fields are refused with a reason', () => {
  assert.equal(checkToExtension({ kind: 'ready' }).ok, true);
  assert.equal(checkToExtension({ kind: 'ready', state }).ok, true);
  assert.equal(checkToExtension({ kind: 'rerun', profile: 'xen417-linux61', params: { port: 10, stuck: false, abi: '2l' } }).ok, true);
  assert.equal(checkToExtension({ kind: 'openLink', link: { codebase: 'linux', symbol: 'xen_evtchn_do_upcall', location: { uri: 'file:///a.c', line: 3, character: 4 } } }).ok, true);
  assert.equal(checkToExtension({ kind: 'openLink', link: { codebase: 'xen', symbol: 'x', unresolved: 'no xen tree open' } }).ok, true);
  assert.equal(checkToExtension({ kind: 'showText' }).ok, true);
  assert.equal(checkToExtension({ kind: 'selectStep', stepIndex: 3 }).ok, true);

  const refused: [unknown, RegExp][] = [
    [null, /kind/],
    ['showText', /kind/],
    [{ kind: 'runShell', command: 'rm -rf /' }, /unknown kind "runShell"/],
    [{ kind: 'rerun', params: { port: { nested: 1 } } }, /params/],
    [{ kind: 'rerun', params: [] }, /params/],
    [{ kind: 'rerun', profile: 3, params: {} }, /profile/],
    [{ kind: 'openLink', link: { codebase: 'xen' } }, /link/],
    [{ kind: 'openLink', link: { codebase: 'xen', symbol: 's', location: { uri: 'file:///a', line: '3' } } }, /link/],
    [{ kind: 'selectStep', stepIndex: -1 }, /stepIndex/],
    [{ kind: 'selectStep', stepIndex: 1.5 }, /stepIndex/],
    [{ kind: 'ready', state: { request: {}, stepIndex: 'x' } }, /state/],
  ];
  for (const [msg, why] of refused) {
    const r = checkToExtension(msg);
    assert.equal(r.ok, false, `accepted ${JSON.stringify(msg)}`);
    if (!r.ok) assert.match(r.why, why);
  }
});

void test('messages to the view: trace, error and busy pass; anything else is refused', () => {
  const flow = { id: 'X1', params: [], profiles: [], steps: [] };
  const trace = { steps: [], outcome: [] };
  assert.equal(checkToView({ kind: 'trace', trace, flow, state }).ok, true);
  assert.equal(checkToView({ kind: 'error', error: 'actions[1].with: unknown action', field: 'actions[1].with', state }).ok, true);
  assert.equal(checkToView({ kind: 'busy', text: 'Simulating…' }).ok, true);
  for (const bad of [{ kind: 'trace', trace, flow }, { kind: 'trace', trace: {}, flow, state }, { kind: 'error', state }, { kind: 'eval', code: '1' }, 42]) {
    assert.equal(checkToView(bad).ok, false, `accepted ${JSON.stringify(bad)}`);
  }
});

/** The simulator's trace steps in the protocol's shape (only the fields the state table reads). */
function steps(flowId: string): TraceStepView[] {
  const flow = findFlow(flowId)!;
  return simulate(flow, {}).steps.map((s, i) => ({ ...s, index: i, lane: 'xen', functions: [], next: null }) as unknown as TraceStepView);
}

void test('the state table after a step: every touched path, its value then, and this step\'s changes marked', () => {
  const x1 = steps('X1');
  const i = x1.findIndex((s) => s.changes.some((c) => c.path === 'vcpu_info.0.evtchn_upcall_pending'));
  assert.ok(i > 0, 'X1 sets the upcall-pending bit');
  const before = stateAfter(x1, i - 1);
  const at = stateAfter(x1, i);
  const row = (rows: ReturnType<typeof stateAfter>) => rows.find((r) => r.path === 'vcpu_info.0.evtchn_upcall_pending')!;
  assert.equal(row(before).changed, false);
  assert.equal(row(at).changed, true);
  assert.deepEqual(row(at).before, row(before).value);
  assert.notDeepEqual(row(at).value, row(before).value);
  // The same paths at every step, so the table does not jump around while stepping.
  assert.deepEqual(before.map((r) => r.path), at.map((r) => r.path));
  // Changed rows are exactly this step's changes.
  assert.deepEqual(at.filter((r) => r.changed).map((r) => r.path).sort(), [...new Set(x1[i].changes.map((c) => c.path))].sort());
  // After the last step every value is the last `after` written.
  for (const flow of allFlows.slice(0, 5)) {
    const s = steps(flow.id);
    const last = stateAfter(s, s.length - 1);
    for (const r of last) {
      const lastChange = s.flatMap((x) => x.changes).filter((c) => c.path === r.path).at(-1)!;
      assert.deepEqual(r.value, lastChange.after, `${flow.id} ${r.path}`);
    }
  }
});
