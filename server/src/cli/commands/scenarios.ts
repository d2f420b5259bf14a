// `irqlens scenarios`: list the built-in scenarios (one per open question of the seeds) and check them.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, runScenario } from '@irqlens/models';
import { builtinScenarioDir } from '../../engine/packageRoot';
import { validateScenario } from '../../engine/scenarios/validateScenario';
import { loadScenario } from './simulate';

export function register(program: Command): void {
  program
    .command('scenarios')
    .description('list the built-in scenarios; with --check, run each and report its expectations')
    .option('--check', 'run every scenario and exit non-zero if one fails')
    .option('--json', 'machine-readable output')
    .action((opts: { check?: boolean; json?: boolean }) => {
      const dir = builtinScenarioDir();
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json')).sort();
      const rows = files.map((f) => {
        const raw = validateScenario(loadScenario(path.join(dir, f)));
        const run = opts.check ? runScenario(allFlows, raw) : undefined;
        return { name: raw.name, flow: raw.flow, title: raw.title, question: raw.question, passed: run?.passed, failures: run?.expectations.filter((e) => !e.ok).map((e) => e.text) };
      });
      if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else {
        const w = Math.max(...rows.map((r) => r.name.length));
        for (const r of rows) {
          const mark = r.passed === undefined ? '' : r.passed ? 'ok    ' : 'FAIL  ';
          process.stdout.write(`${mark}${r.name.padEnd(w)}  ${r.flow.padEnd(4)} ${r.title}\n`);
          for (const f of r.failures ?? []) process.stdout.write(`      ${f}\n`);
        }
      }
      if (rows.some((r) => r.passed === false)) process.exitCode = 1;
    });
}
