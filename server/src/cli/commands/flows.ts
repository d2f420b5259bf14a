// `irqlens flows`: every modelled flow with its steps and each step's links.
import { Command } from 'commander';
import { allFlows, Flow } from '@irqlens/models';

export function flowsAsJson(flows: readonly Flow<unknown>[]) {
  return flows.map((f) => ({
    id: f.id,
    name: f.name,
    description: f.description,
    codebases: f.codebases,
    profiles: f.profiles.map((p) => ({ id: p.id, title: p.title })),
    defaultProfile: f.defaultProfile,
    entry: f.entry,
    params: f.params,
    actions: f.actions.map((a) => ({ name: a.name, description: a.description, params: a.params, from: a.from })),
    state: f.stateDoc,
    steps: f.steps.map((s) => ({
      id: s.id,
      title: s.title,
      role: s.role,
      component: s.component,
      operation: s.operation,
      source: s.source,
      links: s.links.map((l) => ({ codebase: l.codebase, symbol: l.symbol, file: l.file, kind: l.kind, formerly: l.formerly })),
      contracts: (s.contracts ?? []).map((c) => ({ id: c.id, text: c.text, codebase: c.codebase, symbol: c.symbol, check: c.check })),
    })),
  }));
}

export function register(program: Command): void {
  program
    .command('flows')
    .description('list every modelled interrupt flow with its steps and the functions linked to each step')
    .argument('[flow]', 'show only this flow (X1..X7, Q1..Q12)')
    .option('--json', 'machine-readable output')
    .action((only: string | undefined, opts: { json?: boolean }) => {
      const flows = only ? allFlows.filter((f) => f.id.toLowerCase() === only.toLowerCase()) : allFlows;
      if (only && flows.length === 0) throw new Error(`unknown flow "${only}" (flows: ${allFlows.map((f) => f.id).join(', ')})`);
      if (opts.json) {
        process.stdout.write(JSON.stringify(flowsAsJson(flows), null, 2) + '\n');
        return;
      }
      const out: string[] = [];
      for (const f of flows) {
        out.push(`${f.id}  ${f.name}  [${f.codebases.join(', ')}]  profiles: ${f.profiles.map((p) => p.id).join(', ')}`);
        const idW = Math.max(...f.steps.map((s) => s.id.length));
        for (const s of f.steps) {
          const links = s.links.map((l) => `${l.codebase}:${l.symbol}`).join('  ');
          out.push(`  ${s.id.padEnd(idW)}  ${links}`);
        }
        out.push('');
      }
      process.stdout.write(out.join('\n'));
    });
}
