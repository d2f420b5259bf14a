// The CLI bundle is loaded through V8's code cache (codeCache.ts): the module runs as Node's own loader would run it
// (exports, require of relative files and built-ins, __dirname), the cache is written once and then used, and a
// corrupt, stale or unwritable cache only means the bundle is compiled afresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Module from 'node:module';
import { spawnSync } from 'node:child_process';
import { codeCacheFile } from '../../server/src/cli/codeCache';

const codeCache = path.resolve(__dirname, '../../server/src/cli/codeCache.ts');

/**
 * Loads `file` in a new process, as the CLI's entry does (one load per process: within one, V8's in-memory compilation
 * cache answers a second compile of the same source and never looks at the cached data), and returns its exports.
 */
function requireWithCodeCache(file: string, cacheDir: string | undefined): Record<string, unknown> {
  const code = `const { requireWithCodeCache } = require(${JSON.stringify(codeCache)}); process.stdout.write(JSON.stringify(requireWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheDir ?? null)} ?? undefined, module)));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

function bundle(dir: string, body: string): string {
  fs.writeFileSync(path.join(dir, 'helper.js'), 'exports.twice = (n) => 2 * n;\n');
  const file = path.join(dir, 'bundle.js');
  fs.writeFileSync(file, `#!/usr/bin/env node\nconst path = require('node:path');\nconst { twice } = require('./helper');\n${body}\n`);
  return file;
}

function cacheFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

void test('a bundle runs as a module, its code cache is written once and then accepted', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-code-'));
  const cacheDir = path.join(dir, 'cache');
  const file = bundle(dir, 'exports.answer = twice(21); exports.where = path.basename(__dirname); exports.self = module.exports === exports;');
  const first = requireWithCodeCache(file, cacheDir);
  assert.deepEqual({ ...first }, { answer: 42, where: path.basename(dir), self: true });
  const written = cacheFiles(cacheDir);
  assert.equal(written.length, 1);
  const stamp = fs.statSync(path.join(cacheDir, written[0])).mtimeMs;
  // The file V8 made is one V8 accepts for this source (it would be rewritten otherwise).
  const source = `//${fs.readFileSync(file, 'utf8').slice(2)}`;
  assert.equal(path.join(cacheDir, written[0]), codeCacheFile(cacheDir, 'bundle', source));
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData: fs.readFileSync(path.join(cacheDir, written[0])) });
  assert.equal(script.cachedDataRejected, false);
  const second = requireWithCodeCache(file, cacheDir);
  assert.equal(second.answer, 42);
  assert.deepEqual(cacheFiles(cacheDir), written);
  assert.equal(fs.statSync(path.join(cacheDir, written[0])).mtimeMs, stamp, 'an accepted cache is not rewritten');
});

void test('a corrupt cache is replaced, a changed bundle gets its own and the old one goes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-code-'));
  const cacheDir = path.join(dir, 'cache');
  const file = bundle(dir, 'exports.answer = twice(1);');
  requireWithCodeCache(file, cacheDir);
  const [name] = cacheFiles(cacheDir);
  fs.writeFileSync(path.join(cacheDir, name), Buffer.from('not V8 code at all'));
  assert.equal(requireWithCodeCache(file, cacheDir).answer, 2);
  assert.ok(fs.statSync(path.join(cacheDir, name)).size > 100, 'rewritten by V8');
  // Same length, other bytes: V8 alone would take the old cache (it checks the length); the key is the bytes.
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('twice(1)', 'twice(4)'));
  assert.equal(requireWithCodeCache(file, cacheDir).answer, 8);
  const after = cacheFiles(cacheDir);
  assert.equal(after.length, 1);
  assert.notEqual(after[0], name);
});

void test('without a usable cache folder the bundle still runs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-code-'));
  const file = bundle(dir, 'exports.answer = twice(5);');
  // A file where the folder should be: nothing can be written below it.
  const blocked = path.join(dir, 'blocked');
  fs.writeFileSync(blocked, '');
  assert.equal(requireWithCodeCache(file, path.join(blocked, 'cache')).answer, 10);
  assert.equal(requireWithCodeCache(file, undefined).answer, 10);
});
