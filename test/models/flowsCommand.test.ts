// `irqlens flows` as a user runs it (from sources under tsx): --markdown writes exactly the generated pages, --json
// carries each step's docs anchor, rules and declared branches, and bad combinations fail with a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allFlows, allRules, flowDocPages } from '@irqlens/models';

const repo = path.join(__dirname, '..', '..');

function irqlens(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'server', 'src', 'cli', 'main.ts'), ...args], { cwd: repo, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

void test('flows --markdown --out DIR writes one page per flow and the index, as generated', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-flows-'));
  const r = irqlens('flows', '--markdown', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`wrote ${allFlows.length + 1} pages`));
  const pages = flowDocPages(allFlows, allRules);
  assert.deepEqual(fs.readdirSync(out).sort(), pages.map((p) => p.name).sort());
  for (const p of pages) assert.equal(fs.readFileSync(path.join(out, p.name), 'utf8'), p.text, p.name);
  fs.rmSync(out, { recursive: true, force: true });
});

void test('flows X1 --json gives each step its docs anchor, rules and branches', () => {
  const r = irqlens('flows', 'X1', '--json');
  assert.equal(r.code, 0, r.stderr);
  const [x1] = JSON.parse(r.stdout) as { id: string; steps: { id: string; doc: string; rules: string[]; branches?: { name: string; next: string | null }[] }[] }[];
  const step = x1.steps.find((s) => s.id === 'X1.6')!;
  assert.equal(step.doc, 'docs/flows/X1.md#x1-6');
  assert.deepEqual(step.rules, ['XR8', 'XR9', 'XR10']);
  assert.ok(step.branches?.some((b) => b.name === 'masked'), JSON.stringify(step.branches));
});

void test('flows --markdown with a flow id, and an unknown flow, fail with a message', () => {
  const a = irqlens('flows', 'X1', '--markdown', '--out', os.tmpdir());
  assert.notEqual(a.code, 0);
  assert.match(a.stderr, /--markdown writes every flow/);
  const b = irqlens('flows', 'Z9');
  assert.notEqual(b.code, 0);
  assert.match(b.stderr, /unknown flow "Z9" \(flows: X1, .*Q12\)/);
});
