// Black-box tests of the flow features over stdio on the fixture trees: code lenses (ranges first, commands on
// resolve), the flow part of hover, irqlens/flows, irqlens/scenarios, irqlens/simulate and irqlens/linkCoverage.
import { findFlow, stepPosition } from '@irqlens/models';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeLens, Hover, MarkupContent } from 'vscode-languageserver-protocol';
import {
  ClientCommands, FlowsRequest, LinkCoverageRequest, ScenariosRequest, SimulateRequest,
  type FlowView, type GoToStepArgs, type LinkCoverage, type ScenarioSummary, type SimulateResult,
} from '../../server/src/protocol/flowMessages';
import { copyFixture, hangGuardMs, lineOf, positionOf, ServerClient, uri } from './serverClient';

let server: ServerClient;
let ws: ReturnType<typeof copyFixture>;
const f = (rel: string) => path.join(ws.workspace, ...rel.split('/'));
const text = (rel: string) => fs.readFileSync(f(rel), 'utf8');
const event2l = 'xen/xen/common/event_2l.c';
const eventsBase = 'linux/drivers/xen/events/events_base.c';

before(async () => {
  ws = copyFixture();
  server = await ServerClient.start({ workspace: ws.workspace, storage: ws.storage, codeLensRefresh: true });
  await server.waitReady();
  // Previous/next/hand-off lenses appear once the flows have been run (the server logs it, then refreshes lenses).
  await server.waitLog(/^flow guide: worked runs and what-ifs ready in /);
}, { timeout: hangGuardMs });

after(async () => {
  const code = await server?.stop();
  ws?.cleanup();
  assert.equal(code, 0, 'the server exits cleanly after shutdown/exit');
}, { timeout: hangGuardMs });

void test('capabilities: code lenses with resolve', () => {
  assert.deepEqual(server.initializeResult?.capabilities.codeLensProvider, { resolveProvider: true });
});

void test('the server asks the editor to refresh lenses once the flows are run, and again once the hovers are prepared', async () => {
  await server.waitFor('two lens refreshes', () => server.lensRefreshes.length >= 2);
  assert.equal(server.lensRefreshes.length, 2, JSON.stringify(server.lensRefreshes));
});

void test('codeLens gives ranges on function name lines at once; resolve fills each command', async () => {
  const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(f(event2l)) } });
  const nameLine = lineOf(text(event2l), 'evtchn_2l_set_pending(struct vcpu');
  const mine = lenses.filter((l) => l.range.start.line === nameLine);
  assert.ok(mine.length >= 4, `flow, next, simulate and calls lenses on evtchn_2l_set_pending, got ${JSON.stringify(mine)}`);
  assert.ok(lenses.every((l) => l.command === undefined && l.data !== undefined), 'no command before resolve; data says what to resolve');
  for (const l of lenses) {
    const line = text(event2l).split('\n')[l.range.start.line];
    assert.equal(line.slice(l.range.start.character, l.range.end.character).length > 0, true);
  }
  const resolved = await Promise.all(mine.map((l) => server.request<CodeLens>('codeLens/resolve', l)));
  const titles = resolved.map((l) => l.command?.title ?? '');
  assert.ok(titles.some((t) => /^X1 Interdomain event · step \d+ of \d+ · Xen → Linux$/.test(t)), titles.join(' | '));
  assert.ok(titles.includes('▶ Simulate from here'), titles.join(' | '));
  assert.ok(titles.some((t) => /^\d+ callers? · \d+ callees?$/.test(t)), titles.join(' | '));
  assert.ok(titles.some((t) => /^also on \d+ flows: /.test(t)), 'a function on many flows gets a picker');
  const ids = new Set<string>(Object.values(ClientCommands));
  for (const l of resolved) assert.ok(ids.has(l.command?.command ?? ''), `known client command: ${JSON.stringify(l.command)}`);
  assert.ok(resolved.every((l, i) => JSON.stringify(l.range) === JSON.stringify(mine[i].range)), 'resolve keeps the range');

  // The next step (vcpu_mark_events_pending, called before the pollers as in the code) is defined in the fixture: the
  // lens links to its definition.
  const next = resolved.find((l) => l.command?.command === ClientCommands.goToStep && l.command.title.startsWith('→'));
  assert.ok(next, titles.join(' | '));
  const args = next.command?.arguments?.[0] as GoToStepArgs;
  assert.equal(args.link.symbol, 'vcpu_mark_events_pending');
  assert.equal(args.link.location?.line, lineOf(text(event2l), 'static void vcpu_mark_events_pending'));
  assert.equal(args.link.unresolved, undefined);
});

void test('the Linux side: a previous step in Linux resolves to its location in the Linux tree', async () => {
  const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(f(eventsBase)) } });
  const line = lineOf(text(eventsBase), 'static void notify_remote_via_evtchn(');
  const resolved = await Promise.all(lenses.filter((l) => l.range.start.line === line).map((l) => server.request<CodeLens>('codeLens/resolve', l)));
  const toXen = resolved.find((l) => l.command?.title === '→ Xen: do_event_channel_op');
  assert.ok(toXen, resolved.map((l) => l.command?.title).join(' | '));
  const link = (toXen.command?.arguments?.[0] as GoToStepArgs).link;
  assert.equal(link.codebase, 'xen');
  assert.ok(link.location?.uri.endsWith('/xen/xen/common/event_channel.c'), JSON.stringify(link));
});

void test('hover on a linked function: the signature part, then its flow role, branches and a worked simulation', async () => {
  const hover = await server.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: uri(f(event2l)) },
    position: positionOf(text(event2l), 'evtchn_2l_set_pending(struct vcpu', 0, 3),
  });
  const md = (hover?.contents as MarkupContent).value;
  assert.match(md, /```c\nstatic void cf_check evtchn_2l_set_pending/);
  assert.match(md, /step 9 of 32 \(`X1\.6`/);
  assert.match(md, /\n- branch `[\w-]+` — /);
  assert.match(md, /- branch `masked` — /);
  assert.match(md, /Worked simulation \(default run, xen417-linux61;/);
  assert.match(md, /shared_info\.evtchn_pending: \[\] → \[10\]/);
  assert.match(md, /What if /);
  assert.match(md, /\[▶ Simulate from here\]\(command:irqlens\.simulateFromHere\?%5B%7B/);
  assert.ok(md.split('\n').length <= 40, `at most 40 lines, got ${md.split('\n').length}`);
  // Every command link is on the allow-list and its argument decodes.
  for (const m of md.matchAll(/\(command:([\w.]+)\?([^)]*)\)/g)) {
    assert.ok(['irqlens.simulateFromHere', 'irqlens.goToStep', 'irqlens.showFlow'].includes(m[1]), m[1]);
    assert.ok(Array.isArray(JSON.parse(decodeURIComponent(m[2]))));
  }
});

void test('hover on an ops-table initializer names the flow step of the bound function', async () => {
  const at = text(eventsBase).indexOf('= ack_dynirq');
  assert.ok(at > 0, 'the fixture binds .irq_ack = ack_dynirq');
  const hover = await server.request<Hover | null>('textDocument/hover', {
    textDocument: { uri: uri(f(eventsBase)) },
    position: positionOf(text(eventsBase), '= ack_dynirq', 0, 4),
  });
  const md = (hover?.contents as MarkupContent).value;
  assert.match(md, new RegExp(`X1 Interdomain event.*step ${stepPosition(findFlow('X1')!, findFlow('X1')!.steps.find((s) => s.id === 'X1.19')!)?.position} of 32 \\(\`X1\\.19\``));
});

void test('irqlens/flows: every flow, steps in order, each link resolved or saying why', async () => {
  const flows = await server.request<FlowView[]>(FlowsRequest.method, null);
  assert.ok(flows.length >= 19, `${flows.length} flows`);
  const x1 = flows.find((x) => x.id === 'X1');
  assert.ok(x1);
  // Own steps are numbered along X1's path in declared order; a copy (`X6.4@X1`) carries its home step's place.
  const own = x1.steps.filter((s) => !s.sharedFrom);
  assert.deepEqual(own.map((s) => s.position), own.map((_, i) => i + 1));
  assert.ok(own.every((s) => s.total === own.length && s.place === `step ${s.position} of ${own.length}`));
  const copy = x1.steps.find((s) => s.id === 'X6.4@X1');
  assert.equal(copy?.sharedFrom, 'X6');
  assert.equal(copy?.place, 'shared step X6.4 of X6 (step 8 of 18 there)');
  const links = flows.flatMap((fl) => fl.steps.flatMap((s) => s.links));
  assert.ok(links.every((l) => (l.location === undefined) !== (l.unresolved === undefined)), 'a location or a reason, never both or neither');
  const set = x1.steps.find((s) => s.id === 'X1.6')?.links[0];
  assert.ok(set?.location?.uri.endsWith('/xen/xen/common/event_2l.c'));
  assert.equal(set?.location?.line, lineOf(text(event2l), 'evtchn_2l_set_pending(struct vcpu'));
  assert.ok(links.some((l) => l.codebase === 'qemu' && l.unresolved === 'no qemu tree given (qemu: ' + l.file + ')'), 'no QEMU tree: said so');
});

void test('irqlens/scenarios lists the built-in scenarios', async () => {
  const list = await server.request<ScenarioSummary[]>(ScenariosRequest.method, null);
  assert.ok(list.some((s) => s.name === 'qemu-level-eoi-must-reach-ioapic' && s.flow === 'Q1'));
  assert.ok(list.every((s) => s.name && s.title && s.flow));
});

void test('irqlens/simulate: a flow from a function, with lanes, resolved functions and the CLI text', async () => {
  const r = await server.request<SimulateResult>(SimulateRequest.method, { flow: 'X1', from: 'evtchn_2l_set_pending', set: { 'shared_info.evtchn_mask': [10] } });
  assert.ok(r.ok, JSON.stringify(r));
  const first = r.trace.steps[0];
  assert.equal(first.step, 'X1.6');
  assert.equal(first.branch, 'masked');
  assert.equal(first.lane, 'xen');
  assert.ok(first.functions[0].location?.uri.endsWith('event_2l.c'));
  assert.match(r.trace.text, /^X1 Interdomain event/);
  assert.match(r.trace.text, /X1\.6 +evtchn_2l_set_pending +masked/);
  assert.equal(r.flow.id, 'X1');
});

void test('irqlens/simulate: built-in scenario by name carries its expectations', async () => {
  const r = await server.request<SimulateResult>(SimulateRequest.method, { scenario: { name: 'qemu-level-eoi-must-reach-ioapic' } });
  assert.ok(r.ok, JSON.stringify(r));
  assert.ok((r.trace.expectations ?? []).length > 0 && r.trace.expectations?.every((e) => e.ok), JSON.stringify(r.trace.expectations));
  assert.ok(r.trace.steps.some((s) => s.lane === 'ioapic'));
});

void test('irqlens/simulate: bad input names the field (and its line in a scenario file)', async () => {
  const text = JSON.stringify({ name: 'bad', title: 'bad', flow: 'X1', actions: [{ do: 'send' }, { do: 'no-such-action' }] }, null, 2);
  const r = await server.request<SimulateResult>(SimulateRequest.method, { scenario: { uri: 'file:///tmp/bad.json', text } });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.field, 'actions[1].do');
  assert.match(r.error, /no action "no-such-action"/);
  assert.equal(r.line, text.split('\n').findIndex((l) => l.includes('no-such-action')));

  const p = await server.request<SimulateResult>(SimulateRequest.method, { flow: 'X1', params: { port: 'ten' } });
  assert.deepEqual(p.ok ? undefined : p.field, 'params.port');
  const u = await server.request<SimulateResult>(SimulateRequest.method, { flow: 'X99' });
  assert.deepEqual(u.ok ? undefined : u.field, 'flow');
  const s = await server.request<SimulateResult>(SimulateRequest.method, { flow: 'X1', set: { 'shared_info.no_such': 1 } });
  assert.deepEqual(s.ok ? undefined : s.field, 'set.shared_info.no_such');
  const j = await server.request<SimulateResult>(SimulateRequest.method, { scenario: { uri: 'file:///tmp/x.json', text: '{\n  "name": \n}' } });
  assert.equal(j.ok, false);
  assert.equal(j.ok ? undefined : j.line, 2);
});

void test('irqlens/linkCoverage: per tree, resolved of total for its codebase', async () => {
  const cov = await server.request<LinkCoverage[]>(LinkCoverageRequest.method, null);
  assert.deepEqual(cov.map((c) => c.codebase).sort(), ['linux', 'xen']);
  for (const c of cov) {
    assert.ok(c.resolved > 0 && c.resolved < c.total, `${c.codebase} ${c.resolved}/${c.total}: the fixture holds some of the functions`);
    assert.ok(fs.existsSync(c.root));
  }
});

void test('settings: irqlens.lens.calls off leaves only the flow lenses', async () => {
  await server.notify('workspace/didChangeConfiguration', { settings: { irqlens: { lens: { calls: false, flows: true } } } });
  const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(f(event2l)) } });
  const kinds = new Set(lenses.map((l) => (l.data as { kind: string }).kind));
  assert.ok(!kinds.has('calls') && kinds.has('flow'), [...kinds].join(','));
  await server.notify('workspace/didChangeConfiguration', { settings: { irqlens: { lens: { calls: true, flows: false } } } });
  const only = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uri(f(event2l)) } });
  assert.deepEqual([...new Set(only.map((l) => (l.data as { kind: string }).kind))], ['calls']);
});
