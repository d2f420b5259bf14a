// The `irqlens-trace` TextMate grammar (syntaxes/): the assertion file runs through vscode-tmgrammar-test, and every
// line the simulator prints for every flow is claimed by one of the grammar's line rules (none falls through unstyled).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { allFlows, simulate, traceToText } from '@irqlens/models';
import { simulateFromStep, startedTraceText } from '../../server/src/engine/flowGuide/midFlowStart';

const root = path.resolve(import.meta.dirname, '../..');
const grammarFile = path.join(root, 'syntaxes/irqlens-trace.tmLanguage.json');

void test('the grammar passes its assertion file (vscode-tmgrammar-test)', () => {
  const bin = path.join(root, 'node_modules/vscode-tmgrammar-test/dist/unit.js');
  let out: string;
  try {
    out = execFileSync(process.execPath, [bin, '-c', '-g', grammarFile, 'test/syntaxes/*.test'], { cwd: root, encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    assert.fail(`vscode-tmgrammar-test failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
  assert.match(out, /trace\.irqtrace\.test run successfuly/);
});

void test('package.json registers the grammar for the irqlens-trace language', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const grammar = JSON.parse(readFileSync(grammarFile, 'utf8'));
  const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'irqlens-trace');
  assert.ok(lang, 'language irqlens-trace declared');
  assert.ok(lang.extensions.includes('.irqtrace'));
  const g = pkg.contributes.grammars.find((x: { language: string }) => x.language === 'irqlens-trace');
  assert.equal(g.scopeName, grammar.scopeName);
  assert.equal(path.resolve(root, g.path), grammarFile);
});

void test('every line of every flow trace matches a grammar rule', () => {
  const grammar = JSON.parse(readFileSync(grammarFile, 'utf8')) as { repository: Record<string, { match?: string; begin?: string }> };
  const rules = Object.entries(grammar.repository).map(([name, r]) => ({ name, re: new RegExp(r.match ?? r.begin ?? '^$', 'u') }));
  let lines = 0;
  for (const flow of allFlows) {
    // The default run, and a run from a later step with its "assumed" line.
    const later = simulate(flow, {}).steps.find((s) => s.step !== flow.entry)?.step;
    const text = [traceToText(simulate(flow, {}), flow, { functions: true }), later ? startedTraceText(simulateFromStep(flow, { from: later }), flow) : ''].join('\n');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      lines++;
      assert.ok(rules.some((r) => r.re.test(line)), `${flow.id}: no grammar rule matches ${JSON.stringify(line)}`);
    }
    const step = text.split('\n').find((l) => /^\s*\d+  /.test(l));
    assert.ok(step && rules.find((r) => r.name === 'step')!.re.test(step), `${flow.id}: step line ${JSON.stringify(step)} is a step`);
  }
  assert.ok(lines > 500, `only ${lines} lines checked`);
});
