// The flow guide's engine on plain Node: lanes, read recording, observed and declared branches, worked runs and
// what-ifs, lenses (phases and settings) and the hover's flow part on the server fixture trees, scenario field lines,
// the simulate request's errors, link coverage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, allLinks, findFlow, simulate, stepPosition, type Step } from '@irqlens/models';
import { FlowGuide } from '../../server/src/engine/flowGuide/flowGuide';
import { flowHoverMarkdown } from '../../server/src/lsp/flowGuide/flowHover';
import { functionLenses, pickArgs, resolveFunctionLens, type LensData } from '../../server/src/lsp/flowGuide/functionLenses';
import { flowViews } from '../../server/src/lsp/flowGuide/flowViews';
import { hasLaneEntry, laneOf } from '../../server/src/lsp/flowGuide/lanes';
import { linkCoverage } from '../../server/src/lsp/flowGuide/linkCoverage';
import { recordingFlow } from '../../server/src/engine/flowGuide/readRecorder';
import { fieldLine, fieldSegments, parseScenarioText } from '../../server/src/engine/flowGuide/scenarioFieldLines';
import { simulateRequest } from '../../server/src/lsp/flowGuide/simulateRequest';
import { stepBranches } from '../../server/src/engine/flowGuide/stepBranches';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

const fixture = path.join(__dirname, '..', 'fixtures', 'server');
const event2l = path.join(fixture, 'xen', 'xen', 'common', 'event_2l.c');
let index: WorkspaceIndex;
const guide = new FlowGuide();

before(async () => {
  index = await WorkspaceIndex.build({ roots: [path.join(fixture, 'xen'), path.join(fixture, 'linux')], noCache: true, log: () => undefined });
  index.prepareQueries();
});

after(async () => {
  await index?.dispose();
});

const flowStep = (flowId: string, stepId: string): { flow: NonNullable<ReturnType<typeof findFlow>>; step: Step<unknown> } => {
  const flow = findFlow(flowId);
  const step = flow?.steps.find((s) => s.id === stepId);
  assert.ok(flow && step, `${flowId} ${stepId} exists`);
  return { flow, step };
};

void test('every component a model uses has a lane of its own in the table', () => {
  const components = new Set(allFlows.flatMap((f) => f.steps.map((s) => s.component)));
  for (const c of components) assert.ok(hasLaneEntry(c), `component ${c} has a lane`);
  assert.equal(laneOf('evtchn-2l'), 'xen');
  assert.equal(laneOf('ioapic'), 'ioapic');
  assert.equal(laneOf('linux-evtchn'), 'guest');
});

void test('recording reads does not change a run: same trace as the flow itself', () => {
  for (const flow of allFlows) {
    const id = flow.id;
    const reads: string[] = [];
    const plain = simulate(flow);
    const recorded = simulate(recordingFlow(flow, (_step, p) => reads.push(p)));
    assert.deepEqual(recorded, plain, id);
    assert.ok(reads.length > 0, `${id}: reads recorded`);
  }
});

void test('branches (declared by the model), predecessors, reads and writes of hvm_assert_evtchn_irq and evtchn_2l_set_pending', () => {
  const { flow, step } = flowStep('X6', 'X6.4');
  const branches = guide.branches(flow, step).map((b) => `${b.name}→${b.next}`);
  assert.ok(branches.includes('percpu-vector→X6.6'), branches.join(' '));
  assert.ok(branches.includes('no-upcall-vector→X6.8'), branches.join(' '));
  // Every model step declares its branches: the declaration wins over what runs observed.
  assert.ok(guide.branches(flow, step).every((b) => b.source === 'declared'));
  assert.ok(guide.branches(flow, step).every((b) => b.when.length > 0), 'each declared branch says when');
  const obs = guide.observation(flow, step);
  assert.ok(obs?.reads.has('vcpu.*.evtchn_upcall_vector'), [...(obs?.reads ?? [])].join(' '));
  assert.equal(guide.next(flow, step)?.id, 'X6.6');
  assert.ok(guide.previous(flow, step), 'some step leads to X6.4');

  const x1 = flowStep('X1', 'X1.6');
  const o1 = guide.observation(x1.flow, x1.step);
  assert.ok(o1?.writes.has('shared_info.evtchn_pending'));
  assert.ok(guide.branches(x1.flow, x1.step).some((b) => b.name === 'masked'));
});

void test('declared branches (step.branches) win over observed ones; malformed entries are ignored', () => {
  const { step } = flowStep('X6', 'X6.4');
  const declared = Object.assign(Object.create(step) as Step<unknown>, {
    branches: [
      { name: 'tasklet', when: 'in_irq() or IRQs off', next: 'X6.5' },
      { name: 'broken' },
      { name: 'nothing', when: 'another vCPU, no vector', next: null },
    ],
  });
  assert.deepEqual(stepBranches(declared, guide.observation(findFlow('X6')!, step)), [
    { name: 'tasklet', when: 'in_irq() or IRQs off', next: 'X6.5', source: 'declared' },
    { name: 'nothing', when: 'another vCPU, no vector', next: null, source: 'declared' },
  ]);
  const undeclared = Object.assign(Object.create(step) as Step<unknown>, { branches: undefined });
  assert.ok(stepBranches(undeclared, undefined).length === 0, 'no declaration and nothing observed: no branches');
  assert.ok(stepBranches(undeclared, guide.observation(findFlow('X6')!, step)).every((b) => b.source === 'observed'), 'without a declaration, the observed branches');
});

void test('worked run and what-if: hvm_assert_evtchn_irq with a per-vCPU vector; the global vector changes the step', () => {
  const { flow, step } = flowStep('X6', 'X6.4');
  const run = guide.workedRun(flow, step);
  assert.ok(run);
  assert.equal(run.start.kind, 'entry', 'the default run from X6.0 reaches X6.4');
  assert.equal(run.steps[0].step, 'X6.4');
  assert.equal(run.steps[0].branch, 'percpu-vector');
  assert.ok(run.reads.some((r) => r.path === 'vcpu.0.evtchn_upcall_vector' && r.value === 0xf3), JSON.stringify(run.reads));
  const w = guide.whatIf(flow, step);
  assert.ok(w);
  assert.equal(w.changesStep, true);
  assert.match(w.change, /^callback = /);
  assert.notEqual(w.step.branch, 'percpu-vector');
  assert.equal(guide.whatIf(flow, step), w, 'memoised per (flow, step)');
  // Every step's worked run starts at that step, whichever way it was reached.
  const x1 = findFlow('X1')!;
  for (const s of x1.steps) {
    const r = guide.workedRun(x1, s);
    if (r) assert.equal(r.steps[0].step, s.id);
  }
});

void test('lenses: ranges at once with a fixed count, resolve fills titles; settings turn each kind off', () => {
  const all = functionLenses(guide, index, event2l, { flows: true, calls: true });
  assert.deepEqual(functionLenses(guide, index, event2l, { flows: true, calls: true }), all, 'stable between requests');
  assert.deepEqual(JSON.parse(JSON.stringify(all)), all, 'data is plain JSON');
  const text = fs.readFileSync(event2l, 'utf8').split('\n');
  for (const l of all) assert.equal(text[l.line].slice(l.character, l.endCharacter), l.data.symbol);
  const onSet = all.filter((l) => l.data.symbol === 'evtchn_2l_set_pending').map((l) => l.data.kind);
  assert.deepEqual(onSet, ['flow', 'previous', 'next', 'handoff', 'simulate', 'pick', 'calls']);
  const titles = all.filter((l) => l.data.symbol === 'evtchn_2l_set_pending').map((l) => resolveFunctionLens(guide, index, l.data)?.title);
  const x1 = findFlow('X1')!;
  const p16 = stepPosition(x1, x1.steps.find((s) => s.id === 'X1.6')!);
  assert.equal(titles[0], `X1 Interdomain event · step ${p16?.position} of ${p16?.total} · Xen → Linux`);
  assert.equal(titles[2], '→ vcpu_mark_events_pending', 'the next step, in this codebase');
  assert.match(titles[3] ?? '', /^⇢ Linux: \w+$/, 'where the path leaves Xen');
  assert.match(titles[5] ?? '', /^also on 6 flows: X2 X3 X4 X5 X6 X7$/);
  assert.equal(titles[6], `${index.incomingCalls('evtchn_2l_set_pending').length} caller · 2 callees`, 'evtchn_2l_test_and_set and vcpu_mark_events_pending');

  assert.ok(functionLenses(guide, index, event2l, { flows: false, calls: true }).every((l) => l.data.kind === 'calls'));
  assert.ok(functionLenses(guide, index, event2l, { flows: true, calls: false }).every((l) => l.data.kind !== 'calls'));
  assert.equal(resolveFunctionLens(guide, index, { kind: 'flow', symbol: 'x', flow: 'X404', step: 'nope', codebase: 'xen' } satisfies LensData), undefined);
  assert.equal(resolveFunctionLens(guide, index, 'garbage'), undefined);
});

void test('hover flow part: role, branches with links, equivalents, worked simulation, what-if, under 30 lines', () => {
  const md = flowHoverMarkdown(guide, index, 'hvm_assert_evtchn_irq', 'xen');
  assert.ok(md);
  assert.ok(md.includes(`step 8 of 18 (\`X6.4\` · \`evtchn.hvm_assert\`)`), md);
  assert.match(md, /- branch `percpu-vector` — .* → \[X6\.6 vlapic_set_irq\]\(command:irqlens\.goToStep\?/);
  // The steps the default run took before X6.4 are named: they set the state it reads.
  assert.match(md, /```text\nassumed: X6\.0 percpu-upcall → X6\.3 set\nbefore: .*vcpu\.0\.evtchn_upcall_vector=243/);
  assert.match(md, /X6\.6 +vlapic_set_irq +accepted +vlapic\.0\.irr: \[\] → \[243\]/);
  // The worked run goes past the entry stub's EOI down to the guest's handler.
  assert.match(md, /\nX1\.14@X6 +xen_evtchn_do_upcall +enter /);
  // Its branches, as the issue lists them: the tasklet, vlapic_set_irq, vcpu_kick, hvm_set_callback_irq_level.
  assert.match(md, /- branch `tasklet` — in IRQ context .*tasklet_schedule.* → \[X6\.5 hvm_assert_evtchn_irq_tasklet\]/);
  assert.match(md, /- branch `percpu-vector` — .*vlapic_set_irq/);
  assert.match(md, /- branch `no-upcall-vector` — .*vcpu_kick for the global vector callback, hvm_set_callback_irq_level on vCPU0 for GSI\/INTx/);
  assert.match(md, /What if callback = \w+/);
  assert.match(md, /· also on X1, X2, X3, X4, X5, X7$/m, 'its copies in other flows, without numbers of their own');
  assert.ok(md.split('\n').length <= 30, `${md.split('\n').length} lines`);
  assert.equal(flowHoverMarkdown(guide, index, 'hvm_assert_evtchn_irq', 'linux'), undefined, 'a Linux file has no such step');
  const tight = flowHoverMarkdown(guide, index, 'hvm_assert_evtchn_irq', 'xen', 18) ?? '';
  assert.ok(tight.split('\n').length < md.split('\n').length, 'a long symbol part leaves less room: a tighter layout');
  assert.match(tight, /Worked simulation/);
  assert.match(tight, /▶ Simulate from here/);
  assert.doesNotMatch(tight, /^reads /m);
  const vlapic = flowHoverMarkdown(guide, index, 'vlapic_set_irq', 'xen') ?? '';
  assert.match(vlapic, /Same operation elsewhere: .*QEMU `apic_set_irq`.*KVM .*`__apic_accept_irq`/);
});

void test('scenario field lines: paths to JSON nodes, set keys with dots, syntax errors', () => {
  assert.deepEqual(fieldSegments('actions[1].with.vcpu'), ['actions', 1, 'with', 'vcpu']);
  assert.deepEqual(fieldSegments('set.lapic.0.isr'), ['set', 'lapic.0.isr']);
  assert.deepEqual(fieldSegments('(root)'), []);
  const text = '{\n  "set": {\n    "lapic.0.isr": [1]\n  },\n  "actions": [\n    { "do": "a" },\n    { "do": "b", "with": { "x": 1 } }\n  ]\n}';
  const p = parseScenarioText(text);
  assert.equal(fieldLine(text, p.root, 'set.lapic.0.isr'), 2);
  assert.equal(fieldLine(text, p.root, 'actions[1].with.x'), 6);
  assert.equal(fieldLine(text, p.root, 'actions[1].with.missing'), 6, 'a missing field points at its parent');
  assert.equal(parseScenarioText('{\n "a": 1,\n}').syntaxError?.line, 2);
});

void test('simulate request: JSON and command-line set values, scenario errors mapped to their field', () => {
  const flows = guide.flows;
  const ok = simulateRequest(index, flows, guide.scenarios(), { flow: 'X1', from: 'X1.6', set: { 'shared_info.evtchn_mask': '10' } });
  assert.ok(ok.ok && ok.trace.steps[0].branch === 'masked');
  const asJson = simulateRequest(index, flows, guide.scenarios(), { flow: 'X1', from: 'X1.6', set: { 'shared_info.evtchn_mask': [10] } });
  assert.ok(asJson.ok && asJson.trace.steps[0].branch === 'masked');
  assert.deepEqual(simulateRequest(index, flows, guide.scenarios(), { scenario: { name: 'nope' } }), {
    ok: false, error: 'no built-in scenario "nope" (irqlens scenarios lists them)', field: 'scenario.name',
  });
  const text = JSON.stringify({ name: 'n', title: 't', flow: 'X1', actions: [{ do: 'send', with: { lport: 'seven' } }] }, null, 2);
  const bad = simulateRequest(index, flows, guide.scenarios(), { scenario: { uri: 'file:///x.json', text } });
  assert.ok(!bad.ok);
  assert.equal(bad.field, 'actions[0].with.lport');
  assert.equal(bad.line, text.split('\n').findIndex((l) => l.includes('"lport"')));
  const badFrom = simulateRequest(index, flows, guide.scenarios(), { flow: 'X1', from: 'no_such_function' });
  assert.ok(!badFrom.ok && badFrom.field === 'from');
  const badProfile = simulateRequest(index, flows, guide.scenarios(), { flow: 'X1', profile: 'nope' });
  assert.ok(!badProfile.ok && badProfile.field === 'profile');
});

void test('link coverage: per tree, every link of its codebase counted', () => {
  const cov = linkCoverage(index, allFlows);
  for (const c of cov) {
    assert.equal(c.total, allLinks(allFlows).filter((l) => l.link.codebase === c.codebase).length);
    assert.ok(c.resolved > 0 && c.resolved < c.total);
  }
});

void test('"step k of n" is the place along the flow\'s own path, the same in lens, hover, picker and flows view', () => {
  // n counts the steps a flow describes itself, in declared order; copies of other flows' steps are not numbered.
  for (const flow of allFlows) {
    const own = flow.steps.filter((s) => !s.id.includes('@'));
    assert.deepEqual(own.map((s) => stepPosition(flow, s)), own.map((_, i) => ({ position: i + 1, total: own.length })), flow.id);
  }
  const x6 = findFlow('X6')!;
  const x64 = x6.steps.find((s) => s.id === 'X6.4')!;
  assert.equal(guide.placeText(x6, x64), 'step 8 of 18');
  assert.equal(guide.placeText(findFlow('X1')!, findFlow('X1')!.steps.find((s) => s.id === 'X6.4@X1')!), 'shared step X6.4 of X6 (step 8 of 18 there)');
  const lens = resolveFunctionLens(guide, index, { kind: 'flow', symbol: 'hvm_assert_evtchn_irq', flow: 'X6', step: 'X6.4', codebase: 'xen' });
  assert.equal(lens?.title, 'X6 HVM callback variants · step 8 of 18 · Xen → Linux');
  assert.match(flowHoverMarkdown(guide, index, 'hvm_assert_evtchn_irq', 'xen') ?? '', /\*\* · step 8 of 18 \(`X6\.4`/);
  const pick = pickArgs(guide, 'hvm_assert_evtchn_irq', 'xen');
  assert.deepEqual(pick.places.map((p) => p.place), ['step 8 of 18', ...['X1', 'X2', 'X3', 'X4', 'X5', 'X7'].map(() => 'shared step X6.4 of X6 (step 8 of 18 there)')]);
  // The flows view says the same for every step of every flow.
  for (const view of flowViews(index, allFlows)) {
    const flow = findFlow(view.id)!;
    for (const s of view.steps) assert.equal(s.place, guide.placeText(flow, flow.steps.find((x) => x.id === s.id)!), `${view.id} ${s.id}`);
  }
});
