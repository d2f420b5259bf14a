// The walker stays inside the tree and says why it left something out: links to outside folders or to `..` are not
// followed, loops are loops (not "dangling"), names that are not UTF-8 are named as such (not ENOENT), FIFOs/sockets/
// devices named *.c are reported, and files over the size limit are skipped before being read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { parseSettings } from '../../server/src/protocol/configuration';
import { admitFile, DEFAULT_MAX_FILE_SIZE, walkTree, walkTreeYielding } from '../../server/src/engine/index/walker';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

function makeTree(): { root: string; outside: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-walk-'));
  const root = path.join(base, 'tree');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'src', 'inner'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'stdio.h'), 'int printf(const char *f, ...);\n');
  fs.writeFileSync(path.join(root, 'src', 'a.c'), 'int a(void) { return 0; }\n');
  fs.writeFileSync(path.join(root, 'src', 'inner', 'b.c'), 'int b(void) { return 1; }\n');
  fs.writeFileSync(path.join(root, 'big.c'), 'int big;\n'.repeat(1000));
  fs.symlinkSync(outside, path.join(root, 'inc'));
  fs.symlinkSync('..', path.join(root, 'src', 'up'));
  fs.symlinkSync('..', path.join(root, 'parent'));
  fs.symlinkSync('inner', path.join(root, 'src', 'alias'));
  fs.symlinkSync('loop2.c', path.join(root, 'loop1.c'));
  fs.symlinkSync('loop1.c', path.join(root, 'loop2.c'));
  fs.symlinkSync('missing.c', path.join(root, 'dangling.c'));
  execFileSync('mkfifo', [path.join(root, 'pipe.c')]);
  fs.writeFileSync(Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x6c, 0xe9, 0x2e, 0x63])]), 'int latin(void);\n');
  return { root, outside };
}

void test('symlinks outside the tree, loops, odd names and special files are skipped with their reason', () => {
  const { root, outside } = makeTree();
  const r = walkTree(root, undefined, { maxFileSize: 4096 });
  const files = r.files.map((f) => f.rel).sort();
  // Sorted walk: the link `alias` comes before the folder it names, so the folder is the second path.
  assert.deepEqual(files, ['src/a.c', 'src/alias/b.c']);
  const reasons = new Map(r.skipped.map((s) => [s.file, s.reason]));
  assert.match(reasons.get('inc')!, new RegExp(`symlink to ${fs.realpathSync(outside)}, outside the tree`));
  assert.match(reasons.get('parent')!, /outside the tree/);
  // A link to `..` inside the tree points at a folder already walked: reported, not walked twice.
  assert.match(reasons.get('src/up')!, /symlink loop|already indexed/);
  assert.match(reasons.get('src/inner')!, /already indexed as src\/alias/);
  assert.equal(reasons.get('loop1.c'), 'symlink loop');
  assert.equal(reasons.get('loop2.c'), 'symlink loop');
  assert.match(reasons.get('dangling.c')!, /dangling symlink/);
  assert.match(reasons.get('pipe.c')!, /a FIFO, not a regular file/);
  assert.match(r.skipped.find((s) => s.file.includes('\ufffd'))?.reason ?? '', /not valid UTF-8/);
  assert.match(reasons.get('big.c')!, /too large .* skipped without reading/);
  // Each is reported once.
  assert.equal(new Set(r.skipped.map((s) => s.file)).size, r.skipped.length);
});

void test('the index builds on such a tree without reading outside files or blocking on the FIFO', async () => {
  const { root } = makeTree();
  const warnings: string[] = [];
  const index = await WorkspaceIndex.build({ roots: [root], noCache: true, maxFileSize: 4096, workers: 1, log: (level, msg) => level === 'warn' && warnings.push(msg) });
  try {
    assert.ok(index.definitions('a').length === 1);
    assert.deepEqual(index.definitions('printf'), []);
    assert.ok(warnings.some((w) => w.includes('inc: symlink to')), warnings.join('\n'));
  } finally {
    await index.dispose();
  }
});

void test('files named directly (the early index, a change on disk) follow the walk\'s rule: no link out of the tree, no special file, no file over the limit', async () => {
  const { root } = makeTree();
  fs.writeFileSync(path.join(root, 'src', 'c.c'), 'int c(void) { return 2; }\n');
  for (const [rel, reason] of [
    ['inc/stdio.h', /symlink to .*, outside the tree/],
    ['pipe.c', /a FIFO, not a regular file/],
    ['big.c', /too large .* skipped without reading/],
    ['loop1.c', /symlink loop/],
    ['dangling.c', /dangling symlink/],
  ] as const) {
    const a = admitFile(root, rel, 4096);
    assert.ok(a && 'reason' in a, `${rel}: refused`);
    assert.match(a.reason, reason, rel);
  }
  assert.equal(admitFile(root, 'nowhere.c', 4096), undefined, 'a missing file is no problem');
  assert.equal((admitFile(root, 'src/alias/b.c', 4096) as { entry: { rel: string } }).entry.rel, 'src/alias/b.c', 'a link inside the tree is followed');

  // The early index of priority files: a header reached through the link to outside is not indexed (was: printf
  // answered from /usr/include), nor the FIFO (would block) or the file over the limit (would be read whole).
  const only = new Map([[root, ['src/a.c', 'inc/stdio.h', 'pipe.c', 'big.c']]]);
  const early = await WorkspaceIndex.build({ roots: [root], only, noCache: true, maxFileSize: 4096, workers: 1 });
  try {
    assert.equal(early.definitions('a').length, 1);
    assert.deepEqual(early.definitions('printf'), [], 'nothing from outside the tree');
    assert.deepEqual(early.definitions('big'), []);
    assert.deepEqual(early.stats()[0].skipped.map((s) => s.file).sort(), ['big.c', 'inc/stdio.h', 'pipe.c']);
  } finally {
    await early.dispose();
  }

  // A change on disk: a file replaced by a link to outside, or grown over the limit, leaves the index.
  const warnings: string[] = [];
  const index = await WorkspaceIndex.build({ roots: [root], noCache: true, maxFileSize: 4096, workers: 1, log: (level, msg) => level === 'warn' && warnings.push(msg) });
  try {
    assert.equal(index.definitions('c').length, 1);
    fs.rmSync(path.join(root, 'src', 'c.c'));
    fs.symlinkSync(path.join(path.dirname(root), 'outside', 'stdio.h'), path.join(root, 'src', 'c.c'));
    await index.refreshFile(path.join(root, 'src', 'c.c'));
    assert.deepEqual(index.definitions('c'), []);
    assert.deepEqual(index.definitions('printf'), [], 'the link to outside is not read');
    assert.ok(warnings.some((w) => /src\/c\.c: symlink to .*outside the tree/.test(w)), warnings.join('\n'));
    fs.writeFileSync(path.join(root, 'src', 'a.c'), 'int a(void) { return 0; }\n' + '/* padding */\n'.repeat(400));
    await index.refreshFile(path.join(root, 'src', 'a.c'));
    assert.deepEqual(index.definitions('a'), [], 'grown over the limit: left out, not read');
    assert.ok(warnings.some((w) => /src\/a\.c: too large/.test(w)));
  } finally {
    await index.dispose();
  }
});

void test('sockets and devices named *.c are reported, not opened', async (t) => {
  const { root } = makeTree();
  const sock = path.join(root, 'sock.c');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  try {
    let device = false;
    if (process.getuid?.() === 0) {
      try {
        execFileSync('mknod', [path.join(root, 'null.c'), 'c', '1', '3']);
        device = true;
      } catch {
        t.diagnostic('mknod failed: the character device case is not checked');
      }
    }
    const r = walkTree(root, undefined, { maxFileSize: 4096 });
    const reasons = new Map(r.skipped.map((s) => [s.file, s.reason]));
    assert.match(reasons.get('sock.c') ?? '', /a socket, not a regular file/);
    if (device) assert.match(reasons.get('null.c') ?? '', /a character device, not a regular file/);
    assert.ok(!r.files.some((f) => f.rel === 'sock.c' || f.rel === 'null.c'));
  } finally {
    server.close();
  }
});

void test('the size limit is a setting (irqlens.maxFileSize, MiB) and a CLI flag (--max-file-size), checked before reading', () => {
  assert.equal(parseSettings(undefined).maxFileSize * 1024 * 1024, DEFAULT_MAX_FILE_SIZE, 'the setting\'s default is the walker\'s');
  assert.equal(parseSettings({ maxFileSize: 2 }).maxFileSize, 2);
  // The client parses the section and sends the result, which the server parses again.
  assert.equal(parseSettings(parseSettings({ maxFileSize: 2 })).maxFileSize, 2, 'survives the client → server round trip');
  assert.equal(parseSettings({ maxFileSize: 0 }).maxFileSize, 64, 'a bad value falls back to the default');
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-size-'));
  try {
    fs.writeFileSync(path.join(tree, 'small.c'), 'int small(void) { return 0; }\n');
    // 1.5 MiB, sparse: the limit is checked on the size, not by reading.
    const fd = fs.openSync(path.join(tree, 'huge.c'), 'w');
    fs.ftruncateSync(fd, 1.5 * 1024 * 1024);
    fs.closeSync(fd);
    const cli = path.join(__dirname, '..', '..', 'server', 'src', 'cli', 'main.ts');
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, 'index', tree, '--no-cache', ...args], { encoding: 'utf8' });
    const limited = run('--max-file-size', '1', '--json');
    assert.equal(limited.status, 0, limited.stderr);
    const [stats] = JSON.parse(limited.stdout) as { files: number; skipped: { file: string; reason: string }[] }[];
    assert.equal(stats.files, 1);
    assert.match(stats.skipped.find((s) => s.file === 'huge.c')?.reason ?? '', /too large \(1\.5 MB, over the 1\.0 MB limit\): skipped without reading/);
    const [open] = JSON.parse(run('--json').stdout) as { files: number }[];
    assert.equal(open.files, 2, 'under the default limit it is indexed');
    const bad = run('--max-file-size', 'lots');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--max-file-size: "lots" is not a number of MiB/);
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});

void test('the yielding walk finds what the plain walk finds and lets the event loop turn between folders', async () => {
  const { root } = makeTree();
  for (let d = 0; d < 20; d++) {
    fs.mkdirSync(path.join(root, 'many', `d${d}`), { recursive: true });
    fs.writeFileSync(path.join(root, 'many', `d${d}`, 'f.c'), `int f${d};\n`);
  }
  const plain = walkTree(root, undefined, { maxFileSize: 4096 });
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  // A slice of 0 ms: a turn after every folder.
  const yielding = await walkTreeYielding(root, undefined, { maxFileSize: 4096 }, 0);
  counting = false;
  assert.deepEqual(yielding, plain);
  assert.ok(plain.files.length >= 22);
  assert.ok(turns >= 20, `the event loop turned ${turns} times during the walk`);
});
