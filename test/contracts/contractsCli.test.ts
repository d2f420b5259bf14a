// `irqlens contracts` as a CI bot runs it: JSON on the sample trees, exit 1 exactly when some contract is broken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { ContractResult, ContractSummary } from '../../server/src/engine/contracts/checkContracts';

const repo = path.join(__dirname, '..', '..');

function run(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'server/src/cli/main.ts'), 'contracts', ...args], { cwd: repo, encoding: 'utf8' });
}

void test('irqlens contracts --json on the sample trees: summary, evidence, exit status from broken contracts', () => {
  const r = run('--tree', 'sample/xen', '--tree', 'sample/linux', '--no-cache', '--json');
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout) as { summary: ContractSummary[]; contracts: ContractResult[] };
  assert.deepEqual(out.summary.map((s) => s.codebase), ['xen', 'linux'], 'no qemu tree, no qemu summary');
  const broken = out.contracts.filter((c) => c.status === 'broken');
  assert.ok(out.contracts.some((c) => c.status === 'kept' && c.evidence && c.evidence.sites.length > 0), 'some contract is kept with a site');
  for (const c of broken) assert.ok(c.evidence?.summary && c.file && c.line, `${c.contract} says why and where`);
  assert.equal(r.status, broken.length > 0 ? 1 : 0);
  const only = JSON.parse(run('--tree', 'sample/xen', '--no-cache', '--json', '--broken').stdout) as { contracts: ContractResult[] };
  assert.ok(only.contracts.length > 0 && only.contracts.every((c) => c.status !== 'kept'));
});

void test('irqlens contracts prints aligned columns and one summary line per codebase given', () => {
  const r = run('--tree', 'sample/xen', '--no-cache');
  const rows = r.stdout.split('\n').filter((l) => /^(ok|BROKEN|\?\?) /.test(l));
  assert.ok(rows.length > 0);
  // Status, step, then the codebase: where the third column starts is the same on every row.
  const col = (l: string) => /^\S+\s+\S+\s+/.exec(l)?.[0].length;
  assert.equal(new Set(rows.map(col)).size, 1, 'the codebase column lines up');
  assert.match(r.stdout, /^xen {3}\d+\/\d+ contracts kept, \d+ broken, \d+ unresolved$/m);
});
