// Every scenario goes through the published schema (ajv) and the model's own checks before it runs; bad input gets a
// ModelError naming the field, never a JavaScript error from inside the model. The CLI's --profile/--param/--set apply
// on top of --scenario; --from is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, ModelError, runScenario } from '@irqlens/models';
import { validateScenario } from '../../server/src/engine/scenarios/validateScenario';

const dir = path.join(__dirname, '..', '..', 'models', 'scenarios');
const BASE = JSON.parse(fs.readFileSync(path.join(dir, 'xen-set-pending-is-idempotent.json'), 'utf8')) as Record<string, unknown>;
const withFields = (extra: Record<string, unknown>) => ({ ...structuredClone(BASE), ...extra });

/** Validates and runs, as every entry point does. */
function check(raw: unknown): void {
  runScenario(allFlows, validateScenario(raw));
}

function rejects(raw: unknown, field: string, message: RegExp): void {
  assert.throws(
    () => check(raw),
    (e: unknown) => {
      assert.ok(e instanceof ModelError, `a ModelError, not ${String(e)}`);
      assert.ok(e.message.includes(`"${field}"`), `names ${field}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    },
  );
}

void test('every built-in scenario passes the schema, the model checks and its expectations', () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'));
  assert.ok(files.length > 50);
  for (const f of files) {
    const run = runScenario(allFlows, validateScenario(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))));
    assert.ok(run.passed, `${f}: ${run.expectations.filter((e) => !e.ok).map((e) => e.text).join('; ')}`);
  }
});

void test('files that break the published schema are rejected with the field named', () => {
  rejects(withFields({ expect: [{ outcome: 'delivered', count: '1' }] }), 'expect[0]', /none of the expectation kinds/);
  rejects(withFields({ expect: [{ step: 'X1.6', branch: 'x', action: 1, extra: true }] }), 'expect[0]', /none of the expectation kinds/);
  rejects(withFields({ params: { vcpus: { n: 2 } } }), 'params.vcpus', /must be/);
  rejects(withFields({ actions: [{ do: 'send', with: { cpu: [0] } }] }), 'actions[0].with.cpu', /must be/);
  rejects(withFields({ title: '' }), 'title', /must NOT have fewer than 1 characters/);
  rejects(withFields({ colour: 'red' }), 'colour', /unknown field/);
});

void test('what a schema cannot say is still checked by the model, with the field named', () => {
  rejects(withFields({ set: { 'shared_info.nope': 1 } }), 'set.shared_info.nope', /no field "nope"/);
  rejects(withFields({ actions: [{ do: 'explode' }] }), 'actions[0].do', /has no action "explode"/);
  rejects(withFields({ flow: 'X99' }), 'flow', /unknown flow/);
});

void test('names the flow does not have are rejected: step ids, branches, placement points, vCPU targets', () => {
  // Was: accepted, and `neverStep` on a step that does not exist always held (a test that cannot fail).
  rejects(withFields({ expect: [{ neverStep: 'X1.99' }] }), 'expect[0].neverStep', /flow X1 has no step "X1.99"/);
  rejects(withFields({ expect: [{ step: 'X1.60', branch: 'masked' }] }), 'expect[0].step', /no step "X1.60"/);
  rejects(withFields({ expect: [{ step: 'X1.6', branch: 'maskd' }] }), 'expect[0].branch', /step X1.6 has no branch "maskd" \(its branches: .*masked/);
  rejects(withFields({ expect: [{ outcome: 'delivered', target: 'vcpu9' }] }), 'expect[0].target', /vcpu9: no such vCPU \(the domain has vcpus = 2/);
  const actions = (BASE.actions as Record<string, unknown>[]).map((a) => ({ ...a }));
  actions[1] = { ...actions[1], at: { afterStep: 'X1.600' } };
  rejects(withFields({ actions }), 'actions[1].at.afterStep', /no step "X1.600"/);
  actions[1] = { ...actions[1], at: undefined, run: { untilStep: 'X9.1' } };
  delete actions[1].at;
  rejects(withFields({ actions }), 'actions[1].run.untilStep', /no step "X9.1"/);
});

void test('the internal errors are gone: empty structures, partial objects, vCPUs outside the domain, deep nesting', () => {
  // Was: si[f] is not iterable.
  rejects(withFields({ set: { shared_info: {} } }), 'set.shared_info', /lacks field "evtchn_pending"/);
  // Was: the run went on with a vCPU without its fields.
  rejects(withFields({ set: { 'vcpu.0': {} } }), 'set.vcpu.0', /lacks field "is_running"/);
  rejects(withFields({ set: { 'vcpu.0': { is_running: 'yes' } } }), 'set.vcpu.0', /lacks field|holds a boolean/);
  // Was: Cannot set properties of undefined.
  rejects(withFields({ actions: [{ do: 'block', with: { vcpu: 5 } }] }), 'actions[0].with.vcpu', /vcpu = 5: unknown vCPU \(the domain has vcpus = 2/);
  rejects(withFields({ params: { vcpu: 7, vcpus: 2 } }), 'params.vcpu', /vcpu = 7: unknown vCPU/);
  // Was: the model's own message naming only its parameter (`pin = 73 is not an IO-APIC input`), not the scenario field.
  // (Found by the long fuzz run: a GSI set out of the IO-APIC's range reaches the pin check inside the action.)
  const vfio = JSON.parse(fs.readFileSync(path.join(dir, 'kvm-vfio-intx-eoi-not-forwarded-device-stays-masked.json'), 'utf8')) as { set: Record<string, unknown> };
  vfio.set['irqfd.gsi'] = 73;
  rejects(vfio, 'actions[0]', /pin = 73 is not an IO-APIC input/);
  // Was: Maximum call stack size exceeded.
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  assert.throws(() => check(withFields({ set: { shared_info: deep } })), (e: unknown) => e instanceof ModelError && /nested deeper than 64 levels/.test(e.message));
  assert.throws(() => runScenario(allFlows, withFields({ set: { shared_info: deep } })), (e: unknown) => e instanceof ModelError && /nested deeper/.test(e.message));
});

void test('CLI: --param, --set and --profile apply on top of --scenario; --from is refused with a message', () => {
  const cli = path.join(__dirname, '..', '..', 'server', 'src', 'cli', 'main.ts');
  const run = (...args: string[]) => {
    try {
      return { out: execFileSync(process.execPath, ['--import', 'tsx', cli, 'simulate', '--scenario', 'xen-set-pending-is-idempotent', '--json', ...args], { encoding: 'utf8', stdio: 'pipe' }), code: 0 };
    } catch (e) {
      const err = e as { stdout: string; stderr: string; status: number };
      return { out: err.stdout + err.stderr, code: err.status };
    }
  };
  const base = JSON.parse(run().out) as { trace: { params: Record<string, unknown>; finalState: { vcpu: unknown[] } } };
  assert.equal(base.trace.finalState.vcpu.length, 2);
  const more = JSON.parse(run('--param', 'vcpus=3').out) as typeof base;
  assert.equal(more.trace.params.vcpus, 3, '--param applied');
  assert.equal(more.trace.finalState.vcpu.length, 3);
  const set = JSON.parse(run('--set', 'vcpu.1.is_running=false').out) as { trace: { finalState: { vcpu: { is_running: boolean }[] } } };
  assert.equal(set.trace.finalState.vcpu[1].is_running, false, '--set applied');
  const from = run('--from', 'X1.6');
  assert.notEqual(from.code, 0);
  assert.match(from.out, /--from does not apply to --scenario/);
  const bad = run('--set', 'shared_info={}');
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /set\.shared_info/);
  assert.doesNotMatch(bad.out, /TypeError|at .*\.ts:/);
});
