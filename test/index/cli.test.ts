// The CLI's index commands as a user runs them (from sources under tsx): index, symbols, calls, def, refs; errors go to
// stderr with a non-zero exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.join(__dirname, '..', '..');
const tree = path.join(repo, 'test', 'fixtures', 'index', 'tree');
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cli-'));

function irqlens(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'server', 'src', 'cli', 'main.ts'), ...args], { cwd: repo, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

void test('index --json reports per tree what was indexed and skipped', () => {
  const r = irqlens('index', tree, '--cache-dir', cacheDir, '--json');
  assert.equal(r.code, 0, r.stderr);
  const [s] = JSON.parse(r.stdout) as { root: string; codebase: string; files: number; functions: number; calls: number; skipped: { file: string; reason: string }[]; seconds: number }[];
  assert.equal(s.root, tree);
  assert.equal(s.codebase, 'unknown');
  assert.equal(s.files, 6);
  assert.ok(s.functions >= 20 && s.calls >= 15, JSON.stringify(s));
  assert.deepEqual(s.skipped.map((k) => k.file).sort(), ['binary.c', 'latin1.c']);
  assert.equal(typeof s.seconds, 'number');
});

void test('symbols prints path, name, 1-based line and kind as TSV', () => {
  const r = irqlens('symbols', tree, '--kind', 'function', '--cache-dir', cacheDir);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.includes('irq.c\tack_dynirq\t23\tfunction'), lines.join('\n'));
  assert.ok(lines.every((l) => /^[^\t]+\t\w+\t\d+\tfunction$/.test(l)));
});

void test('calls --incoming shows indirect edges with via', () => {
  const r = irqlens('calls', 'ack_dynirq', '--tree', tree, '--incoming', '--json', '--cache-dir', cacheDir);
  assert.equal(r.code, 0, r.stderr);
  const edges = JSON.parse(r.stdout) as { name: string; file: string; line: number; via?: string }[];
  assert.deepEqual(edges.map((e) => ({ name: e.name, file: path.basename(e.file), line: e.line, via: e.via })), [
    { name: 'handle_edge_irq', file: 'irq.c', line: 47, via: 'xen_dynamic_chip.irq_ack' },
  ]);
  const out = irqlens('calls', 'handle_edge_irq', '--tree', tree, '--outgoing', '--cache-dir', cacheDir);
  assert.match(out.stdout, /ack_dynirq\t.*irq\.c:23\tvia xen_dynamic_chip\.irq_ack/);
});

void test('def and refs', () => {
  const d = irqlens('def', 'apic_mem_write', '--tree', tree, '--cache-dir', cacheDir);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /apic\.c:18:\d+\tfunction\tstatic void G_GNUC_UNUSED apic_mem_write\(/);
  const r = irqlens('refs', 'apic_mem_write', '--tree', tree, '--cache-dir', cacheDir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 2);
});

void test('errors go to stderr with a non-zero exit; --help works', () => {
  const missing = irqlens('index', path.join(tree, 'does-not-exist'));
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /not a folder/);
  const both = irqlens('calls', 'x', '--tree', tree, '--incoming', '--outgoing', '--no-cache');
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /exactly one of --incoming or --outgoing/);
  const none = irqlens('def', 'no_such_symbol_anywhere', '--tree', tree, '--no-cache');
  assert.notEqual(none.code, 0);
  for (const cmd of ['index', 'symbols', 'calls', 'def', 'refs']) {
    const h = irqlens(cmd, '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`Usage: irqlens ${cmd}`));
  }
});
