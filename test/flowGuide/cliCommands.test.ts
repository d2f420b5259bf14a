// `irqlens lenses` and `irqlens hover` print what the editor shows: same objects as the language server's code path
// (lsp/codeLens.ts, lsp/hover.ts) on the server fixture trees, text for people, bad positions rejected.
import { findFlow, stepPosition } from '@irqlens/models';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FlowGuide } from '../../server/src/engine/flowGuide/flowGuide';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { computeCodeLenses, resolveCodeLens } from '../../server/src/lsp/codeLens';
import { computeHover } from '../../server/src/lsp/hover';

const repo = path.join(__dirname, '..', '..');
const fixture = path.join(repo, 'test', 'fixtures', 'server');
const trees = ['--tree', path.join(fixture, 'xen'), '--tree', path.join(fixture, 'linux'), '--no-cache'];
const event2l = path.join(fixture, 'xen', 'xen', 'common', 'event_2l.c');
let index: WorkspaceIndex;

function run(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'server/src/cli/main.ts'), ...args], { cwd: repo, encoding: 'utf8' });
}

before(async () => {
  index = await WorkspaceIndex.build({ roots: [path.join(fixture, 'xen'), path.join(fixture, 'linux')], noCache: true, log: () => undefined });
});

after(async () => {
  await index?.dispose();
});

void test('irqlens lenses --json: the resolved lenses the server returns for the file', () => {
  const r = run('lenses', event2l, ...trees, '--json');
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const guide = new FlowGuide();
  const expected = computeCodeLenses(guide, index, event2l, { flows: true, calls: true }).map((l) => resolveCodeLens(guide, index, l));
  assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(expected)));
});

void test('irqlens lenses: one line per function, its lens titles joined as the editor joins them', () => {
  const r = run('lenses', event2l, ...trees);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'xen/common/event_2l.c (xen 4.17.5)');
  const at = lines.findIndex((l) => /^\s+\d+ {2}evtchn_2l_set_pending$/.test(l));
  assert.ok(at > 0, r.stdout);
  const x1 = findFlow('X1')!;
  const p = stepPosition(x1, x1.steps.find((s) => s.id === 'X1.6')!)!;
  assert.match(lines[at + 1], new RegExp(`^ {7}X1 Interdomain event · step ${p.position} of ${p.total} · Xen → Linux \\| ← .* \\| → vcpu_mark_events_pending \\| ⇢ Linux: \\w+ \\| ▶ Simulate from here \\| also on 6 flows: X2 X3 X4 X5 X6 X7 \\| 1 caller · 2 callees$`));
  const noFlows = run('lenses', event2l, ...trees, '--no-flows');
  assert.ok(!noFlows.stdout.includes('Simulate') && noFlows.stdout.includes('callees'));
});

void test('irqlens hover: the hover at file:line:col, JSON as the server sends it, text with links reduced to titles', () => {
  const text = fs.readFileSync(event2l, 'utf8').split('\n');
  const line = text.findIndex((l) => l.includes('evtchn_2l_set_pending(struct vcpu'));
  const col = text[line].indexOf('evtchn_2l_set_pending') + 3;
  const pos = `${event2l}:${line + 1}:${col + 1}`;
  const json = run('hover', pos, ...trees, '--json');
  assert.equal(json.status, 0, json.stderr);
  const expected = computeHover(index, event2l, { line, character: col }, fs.readFileSync(event2l, 'utf8'), new FlowGuide());
  assert.deepEqual(JSON.parse(json.stdout), expected);

  const r = run('hover', pos, ...trees);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^```c\nstatic void cf_check evtchn_2l_set_pending/);
  assert.match(r.stdout, /\*\*\[X1 Interdomain event\]\*\* · step 9 of 32 \(`X1\.6`/);
  assert.match(r.stdout, /\[▶ Simulate from here\] · next: \[X1\.8 vcpu_mark_events_pending\]/);
  assert.ok(!r.stdout.includes('command:'), 'command targets are not shown');
});

void test('irqlens hover and lenses reject what they cannot read, saying why', () => {
  const bad = run('hover', `${event2l}:0:1`, ...trees);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /give a position as <file>:<line>:<col> \(1-based\)/);
  const outside = run('lenses', path.join(repo, 'README.md'), ...trees);
  assert.equal(outside.status, 1);
  assert.match(outside.stderr, /is in none of the trees given/);
  const nothing = run('hover', `${event2l}:1:1`, ...trees);
  assert.equal(nothing.status, 1);
  assert.match(nothing.stderr, /nothing to show at /);
});
