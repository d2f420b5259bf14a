// `irqlens review` as a user runs it (sources under tsx): exit 0 / 1 / 2, every format, a git range and the staged and
// working-tree changes of a git checkout made here from the fixture tree.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { editDiff, mail, replaceOnce, XEN_FIX } from './patchKit';

const repo = path.join(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-review-cli-'));
const cacheDir = path.join(tmp, 'cache');
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function irqlens(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'server', 'src', 'cli', 'main.ts'), 'review', ...args, '--cache-dir', cacheDir], { cwd: repo, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const E2L = 'xen/common/event_2l.c';
const maskTest = / +if \( !guest_test_bit\(d, port, &shared_info\(d, evtchn_mask\)\) &&\n {9}/;
const write = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};

void test('a breaking patch exits 1 in every format; a harmless one exits 0', () => {
  const bad = write('bad.patch', mail('[PATCH] xen/evtchn: drop the mask test', editDiff(XEN_FIX, E2L, replaceOnce(maskTest, '    if ( '))));
  const md = irqlens(bad, '--tree', XEN_FIX);
  assert.equal(md.code, 1, md.stderr);
  assert.match(md.stdout, /^## IRQ Lens review/m);
  assert.match(md.stdout, /^> -    if \( !guest_test_bit/m, 'the hunk is quoted');
  assert.match(md.stdout, /\*\*error\*\* `X1\.6-mask-test`/);
  const json = JSON.parse(irqlens(bad, '--tree', XEN_FIX, '--format', 'json').stdout) as { patches: { subject: string; files: unknown[]; steps: { flow: string; step: string; function: string; codebase: string }[]; findings: { severity: string; function: string; file: string; line: number; rule: string; message: string; baseline: string }[] }[]; series: { verdict: string } };
  assert.equal(json.patches[0].subject, '[PATCH] xen/evtchn: drop the mask test');
  assert.ok(json.patches[0].steps.some((s) => s.flow === 'X1' && s.step === 'X1.6' && s.function === 'evtchn_2l_set_pending' && s.codebase === 'xen'));
  assert.ok(json.patches[0].findings.some((f) => f.rule === 'X1.6-mask-test' && f.baseline === 'new' && f.file === E2L && f.line === 13));
  assert.match(json.series.verdict, /breaks X1\.6-mask-test/);
  const sarif = JSON.parse(irqlens(bad, '--tree', XEN_FIX, '--format', 'sarif').stdout) as { version: string; runs: { results: { ruleId: string }[] }[] };
  assert.equal(sarif.version, '2.1.0');
  assert.ok(sarif.runs[0].results.some((r) => r.ruleId === 'X1.6-mask-test'));
  const b4 = JSON.parse(irqlens(bad, '--tree', XEN_FIX, '--format', 'b4').stdout) as { status: string }[];
  assert.equal(b4[b4.length - 1].status, 'fail');
  const good = write('good.patch', editDiff(XEN_FIX, E2L, replaceOnce('    d->pad = 0;', '    d->pad = 1;')));
  assert.equal(irqlens(good, '--tree', XEN_FIX).code, 0);
});

void test('bad input exits 2 with one line', () => {
  for (const args of [[path.join(tmp, 'missing.patch'), '--tree', XEN_FIX], [write('empty.patch', ''), '--tree', XEN_FIX], [write('p.patch', 'x'), '--tree', XEN_FIX, '--format', 'xml'], [write('q.patch', 'x'), '--tree', path.join(tmp, 'nope')]]) {
    const r = irqlens(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^irqlens review: /);
  }
});

void test('--git <range>, --staged and the working tree read a git checkout through the git CLI', () => {
  const work = path.join(tmp, 'checkout');
  fs.cpSync(XEN_FIX, work, { recursive: true });
  const git = (...a: string[]) => execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...a], { encoding: 'utf8' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'base');
  const file = path.join(work, E2L);
  fs.writeFileSync(file, replaceOnce(maskTest, '    if ( ')(fs.readFileSync(file, 'utf8')));
  const wt = irqlens('--tree', work, '--format', 'json');
  assert.equal(wt.code, 1, wt.stderr);
  git('add', '.');
  const staged = irqlens('--staged', '--tree', work, '--format', 'json');
  assert.equal(staged.code, 1, staged.stderr);
  git('commit', '-qm', 'xen/evtchn: drop the mask test');
  const range = irqlens('--git', 'HEAD~1..HEAD', '--tree', work, '--format', 'json');
  assert.equal(range.code, 1, range.stderr);
  assert.equal((JSON.parse(range.stdout) as { patches: { subject: string }[] }).patches[0].subject, '[PATCH] xen/evtchn: drop the mask test');
  const clean = irqlens('--tree', work);
  assert.equal(clean.code, 2);
  assert.match(clean.stderr, /the working tree has no change/);
  const badRange = irqlens('--git', 'nosuch..HEAD', '--tree', work);
  assert.equal(badRange.code, 2);
  assert.match(badRange.stderr, /git format-patch .* failed/);
});

void test('the review loads its slice of the index from its own cache: headers the patched file includes give their macros', () => {
  // A copy of the fixture whose mask test hides behind a macro of an included header: only the index sees through it.
  const tree = path.join(tmp, 'macro-tree');
  fs.cpSync(XEN_FIX, tree, { recursive: true });
  fs.writeFileSync(path.join(tree, 'xen/common/event.h'), '#define evtchn_port_masked(d, p) guest_test_bit(d, p, &shared_info(d, evtchn_mask))\n');
  const file = path.join(tree, E2L);
  fs.writeFileSync(file, replaceOnce('!guest_test_bit(d, port, &shared_info(d, evtchn_mask))', '!evtchn_port_masked(d, port)')(fs.readFileSync(file, 'utf8')));
  const patch = write('macro.patch', mail('[PATCH] xen/evtchn: drop the masked test', editDiff(tree, E2L, replaceOnce(/ +if \( !evtchn_port_masked\(d, port\) &&\n {9}/, '    if ( '))));
  const sliceDir = path.join(cacheDir, 'review');
  fs.rmSync(sliceDir, { recursive: true, force: true });
  const first = irqlens(patch, '--tree', tree, '--format', 'json', '--verbose');
  assert.equal(first.code, 1, first.stderr);
  assert.ok(JSON.parse(first.stdout).patches[0].findings.some((f: { rule: string; baseline: string }) => f.rule === 'X1.6-mask-test' && f.baseline === 'new'), first.stdout);
  assert.match(first.stderr, /indexed .*: (\d+) files \(0 from cache/);
  assert.equal(fs.readdirSync(sliceDir).filter((f) => f.endsWith('.idx')).length, 1, 'the slice cache is written');
  const again = irqlens(patch, '--tree', tree, '--format', 'json', '--verbose');
  const [, files, cached] = /indexed .*: (\d+) files \((\d+) from cache/.exec(again.stderr) ?? [];
  assert.ok(Number(files) >= 2 && files === cached, again.stderr);
  assert.equal(again.stdout, first.stdout);
  assert.equal(irqlens(patch, '--tree', tree, '--format', 'json', '--full-index').stdout, first.stdout);
  // `irqlens index` writes the slice from the full index: the first review after it parses nothing.
  fs.rmSync(sliceDir, { recursive: true, force: true });
  const idx = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'server', 'src', 'cli', 'main.ts'), 'index', tree, '--cache-dir', cacheDir], { cwd: repo, encoding: 'utf8' });
  assert.equal(idx.status, 0, idx.stderr);
  const afterIndex = irqlens(patch, '--tree', tree, '--format', 'json', '--verbose');
  const [, n2, c2] = /indexed .*: (\d+) files \((\d+) from cache/.exec(afterIndex.stderr) ?? [];
  assert.ok(Number(c2) >= 1 && Number(c2) <= Number(n2), afterIndex.stderr);
  assert.equal(afterIndex.stdout, first.stdout);
  // Without the index the macro stays opaque: the contract was never seen kept, so nothing is blamed on the patch.
  const blind = irqlens(patch, '--tree', tree, '--format', 'json', '--no-index');
  assert.equal(blind.code, 0, blind.stdout);
});

void test('irqlens index rewrites a tree\'s review slice only when the tree changed since the slice was written', () => {
  const tree = path.join(tmp, 'slice-tree');
  fs.cpSync(XEN_FIX, tree, { recursive: true });
  const own = path.join(tmp, 'slice-cache');
  const index = () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repo, 'server', 'src', 'cli', 'main.ts'), 'index', tree, '--cache-dir', own, '--json'], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { files: number; fromCache: number }[];
  };
  const slice = () => {
    const dir = path.join(own, 'review');
    const [name] = fs.readdirSync(dir).filter((f) => f.endsWith('.idx'));
    return fs.statSync(path.join(dir, name)).mtimeMs;
  };
  index();
  const written = slice();
  // Nothing changed: the slice stays as it was.
  const [warm] = index();
  assert.equal(warm.fromCache, warm.files);
  assert.equal(slice(), written);
  // A file changed: the tree's cache and its slice are written again.
  fs.appendFileSync(path.join(tree, E2L), '\nint slice_probe(void) { return 0; }\n');
  const [changed] = index();
  assert.equal(changed.fromCache, changed.files - 1);
  assert.ok(slice() > written, 'the slice was written again');
});
