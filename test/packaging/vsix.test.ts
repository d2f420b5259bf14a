// The packaged extension: `vsce package` (as `npm run package` runs it, on the built out/) holds what the extension
// needs at run time, tree-sitter's native prebuilds included, and nothing from sources, tests, samples or caches.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { zipEntries } from './zipEntries';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'irqlens-vsix-'));
const vsix = path.join(tmp, 'irqlens.vsix');
let entries: string[] = [];

before(() => {
  for (const f of ['client', 'server', 'cli', 'cliMain', 'parseWorker', 'webview']) {
    assert.ok(existsSync(path.join(root, 'out', `${f}.js`)), `out/${f}.js missing: run npm run build first`);
  }
  const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
  execFileSync(process.execPath, [vsce, 'package', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsix], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  entries = zipEntries(vsix).filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

void test('the .vsix holds the bundles, media, grammar, scenarios and tree-sitter prebuilds', () => {
  const must = [
    'package.json',
    'out/client.js',
    'out/server.js',
    'out/cli.js',
    'out/cliMain.js',
    'out/parseWorker.js',
    'out/webview.js',
    'media/panel.css',
    'media/irqlens.svg',
    'syntaxes/irqlens-trace.tmLanguage.json',
    'models/scenarios/scenario.schema.json',
    'node_modules/tree-sitter/index.js',
    'node_modules/tree-sitter/prebuilds/linux-x64/tree-sitter.node',
    'node_modules/tree-sitter-c/bindings/node/index.js',
    'node_modules/tree-sitter-c/prebuilds/linux-x64/tree-sitter-c.node',
    'node_modules/node-gyp-build/index.js',
  ];
  // The binding built at install time, where this machine's libstdc++ cannot load the prebuild.
  const built = 'node_modules/tree-sitter/build/Release/tree_sitter_runtime_binding.node';
  if (existsSync(path.join(root, built))) must.push(built);
  for (const m of must) assert.ok(entries.includes(m), `${m} missing from the .vsix`);
  assert.ok(entries.some((e) => /^models\/scenarios\/[\w-]+\.json$/.test(e) && !e.endsWith('schema.json')), 'no built-in scenario in the .vsix');
  // Every file package.json points at ships.
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const pointed = [pkg.main, ...pkg.contributes.grammars.map((g: { path: string }) => g.path), ...pkg.contributes.viewsContainers.activitybar.map((v: { icon: string }) => v.icon)];
  for (const p of pointed) assert.ok(entries.includes(path.posix.normalize(p)), `package.json names ${p}, which is not in the .vsix`);
});

void test('the .vsix holds no sources, tests, samples, caches, maps or unused dependencies', () => {
  const mustNot: [RegExp, string][] = [
    [/^(client|server|models\/src|test|sample|scripts|test-results)\//, 'sources, tests or sample trees'],
    [/\.ts$/, 'TypeScript sources'],
    [/\.map$/, 'source maps'],
    [/^out\/(bench|types)\b/, 'the benchmark or type declarations'],
    [/(^|\/)\.irqlens-cache\//, 'an index cache'],
    [/\.vsix$/, 'an older package'],
    [/^node_modules\/(?!(tree-sitter|tree-sitter-c|node-gyp-build)\/)/, 'a dependency the bundles already contain'],
    [/^node_modules\/tree-sitter(-c)?\/(src\/(?!node-types\.json)|vendor\/|build\/(?!Release\/tree_sitter_runtime_binding\.node$))/, "tree-sitter's C sources or build leftovers"],
  ];
  for (const e of entries) for (const [re, what] of mustNot) assert.ok(!re.test(e), `${e} is in the .vsix (${what})`);
  // Images: only those the README shows.
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  for (const e of entries.filter((x) => x.startsWith('docs/'))) assert.ok(readme.includes(e), `${e} ships but the README does not show it`);
});

void test("the .vsix's tree-sitter loads and parses C outside this checkout", () => {
  const dir = path.join(tmp, 'unpacked');
  execFileSync('unzip', ['-q', vsix, 'extension/*', '-d', dir]);
  const ext = path.join(dir, 'extension');
  const script = `
    const Parser = require(${JSON.stringify(path.join(ext, 'node_modules/tree-sitter'))});
    const C = require(${JSON.stringify(path.join(ext, 'node_modules/tree-sitter-c'))});
    const p = new Parser(); p.setLanguage(C);
    process.stdout.write(p.parse('int f(void) { return 0; }').rootNode.type);`;
  // Run from the unpacked folder so nothing resolves from this checkout's node_modules.
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ext, encoding: 'utf8' });
  assert.equal(out, 'translation_unit');
});

void test('the .vsix stays small', () => {
  const mb = statSync(vsix).size / 1024 / 1024;
  assert.ok(mb < 8, `the .vsix is ${mb.toFixed(2)} MB`);
});
