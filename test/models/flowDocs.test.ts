// The checked-in flow pages (docs/flows) are exactly what the models generate: a change to a flow, a step or a rule
// that is not followed by `irqlens flows --markdown` fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, allRules, flowDocPages, stepAnchor, stepDocRef } from '@irqlens/models';

const docsDir = path.join(__dirname, '..', '..', 'docs', 'flows');
const REGENERATE = 'regenerate with `node --import tsx server/src/cli/main.ts flows --markdown` (or `irqlens flows --markdown`)';

void test('docs/flows holds exactly one page per flow plus the index, each identical to a fresh generation', () => {
  const pages = flowDocPages(allFlows, allRules);
  assert.deepEqual(pages.map((p) => p.name).sort(), [...allFlows.map((f) => `${f.id}.md`), 'README.md'].sort());
  const onDisk = fs.readdirSync(docsDir).filter((n) => n.endsWith('.md')).sort();
  assert.deepEqual(onDisk, pages.map((p) => p.name).sort(), `docs/flows has stale or missing pages: ${REGENERATE}`);
  for (const page of pages) {
    const checkedIn = fs.readFileSync(path.join(docsDir, page.name), 'utf8');
    if (checkedIn !== page.text) {
      const a = checkedIn.split('\n');
      const b = page.text.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(`docs/flows/${page.name} differs from the models at line ${line + 1}:\n  checked in: ${a[line]}\n  generated:  ${b[line]}\n${REGENERATE}`);
    }
  }
});

void test('every step has its anchor on its flow page, and every rule its anchor in the index', () => {
  const pages = new Map(flowDocPages(allFlows, allRules).map((p) => [p.name, p.text]));
  for (const f of allFlows) {
    const text = pages.get(`${f.id}.md`)!;
    const own = f.steps.filter((s) => !s.id.includes('@'));
    f.steps.forEach((s) => {
      assert.ok(text.includes(`<a id="${stepAnchor(s.id)}"></a>${s.id} `), `${f.id}.md has the anchor of ${s.id}`);
      // "Step k of n" counts the flow's own steps in declared order; a copy of another flow's step says whose it is.
      const where = s.id.includes('@')
        ? new RegExp(`</a>${s.id.replace(/\./g, '\\.')} \`[^\n]*\n\nShared step: \\[${s.id.split('@')[0].replace(/\./g, '\\.')}\\]\\(${s.id.split('.')[0]}\\.md#[^)]+\\), step \\d+ of \\d+ of ${s.id.split('.')[0]}, on this flow's path\\.`)
        : new RegExp(`</a>${s.id.replace(/\./g, '\\.')} \`[^\n]*\n\nStep ${own.indexOf(s) + 1} of ${own.length}\\. `);
      assert.match(text, where, `${s.id} says its position`);
      assert.match(stepDocRef(f.id, s.id), new RegExp(`^docs/flows/${f.id}\\.md#${stepAnchor(s.id)}$`));
    });
  }
  const index = pages.get('README.md')!;
  for (const r of allRules) assert.ok(index.includes(`<a id="${r.id.toLowerCase()}"></a>${r.id}:`), `README.md has ${r.id}`);
  const anchors = new Set(allFlows.flatMap((f) => f.steps.map((s) => stepAnchor(s.id))));
  assert.equal(anchors.size, allFlows.reduce((n, f) => n + f.steps.length, 0), 'step anchors are distinct');
});

void test('contract sources that point at docs/flows point at a step anchor that exists', () => {
  const known = new Set(allFlows.flatMap((f) => f.steps.map((s) => stepDocRef(f.id, s.id))));
  for (const f of allFlows) for (const s of f.steps) for (const c of s.contracts ?? []) {
    if (c.source.startsWith('docs/flows/')) assert.ok(known.has(c.source), `${c.id}: ${c.source} is an anchor of docs/flows`);
  }
});
