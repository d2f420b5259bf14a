// The CLI's output edges: a reader that stops early gets no EPIPE stack, long error messages are capped and arrive
// whole through a pipe, and TSV rows stay one per line when names hold tabs or newlines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tsvField } from '../../server/src/cli/tsv';

const repo = path.join(__dirname, '..', '..');
const cli = path.join(repo, 'out', 'cli.js');

void test('irqlens flows --json | head -1 exits quietly', () => {
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'ignore' });
  const r = spawnSync('bash', ['-c', `node ${JSON.stringify(cli)} flows --json | head -1; exit \${PIPESTATUS[0]}`], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), '[');
  assert.doesNotMatch(r.stderr, /EPIPE|Error|at /, r.stderr);
  assert.equal(r.status, 0);
});

void test('a huge error message is capped and arrives whole through a pipe', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-msg-'));
  const scenario = path.join(dir, 's.json');
  // An unknown action name 200 KB long ends up quoted in the message.
  fs.writeFileSync(scenario, JSON.stringify({ name: 'n', title: 't', flow: 'X1', actions: [{ do: 'x'.repeat(200_000) }] }));
  const r = spawnSync('bash', ['-c', `node ${JSON.stringify(cli)} simulate --scenario ${JSON.stringify(scenario)} 2>&1 | cat`], { encoding: 'utf8' });
  assert.match(r.stdout, /^irqlens: scenario field "actions\[0\]\.do"/);
  assert.match(r.stdout, /… \(\d+ more characters\)\n$/, 'capped, and the end of the message arrived');
  assert.ok(r.stdout.length < 5000);
});

void test('TSV fields escape tabs, newlines, carriage returns and backslashes; symbols rows stay one per line', () => {
  assert.equal(tsvField('plain_name'), 'plain_name');
  assert.equal(tsvField('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-tsv-'));
  fs.writeFileSync(path.join(dir, 'odd\tname\n.c'), 'int odd_function(void) { return 0; }\n');
  const out = execFileSync(process.execPath, [cli, 'symbols', '--no-cache', dir], { encoding: 'utf8' });
  const rows = out.trim().split('\n');
  assert.deepEqual(rows, ['odd\\tname\\n.c\todd_function\t1\tfunction']);
});
