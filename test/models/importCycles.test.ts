// The models' modules form a DAG: an import cycle among models/src files (type-only imports included) fails here,
// naming the files on the cycle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const srcDir = path.join(__dirname, '..', '..', 'models', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Relative imports and re-exports of a file, resolved to files (`./x` → `x.ts` or `x/index.ts`). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const target = [`${base}.ts`, path.join(base, 'index.ts'), base].find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
    assert.ok(target, `${path.relative(srcDir, file)} imports ${m[1]}, which is not a file`);
    out.push(target);
  }
  return out;
}

/** Every elementary cycle's first occurrence found by a depth-first search, as a list of files. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

void test('the cycle finder finds a planted cycle', () => {
  const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  assert.deepEqual(findCycles(g), [['a', 'b', 'c', 'a']]);
});

void test('no import cycle among models/src files', () => {
  const files = sourceFiles(srcDir);
  assert.ok(files.length > 40, `${files.length} files`);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const cycles = findCycles(graph).map((c) => c.map((f) => path.relative(srcDir, f)).join(' → '));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`);
});
