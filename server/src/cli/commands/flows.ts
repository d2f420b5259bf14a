// `irqlens flows`: every modelled flow with its steps and each step's links; `--markdown` writes the flow pages.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { allFlows, allRules, Flow, flowDocPages, FLOW_DOCS_DIR, stepDocRef } from '@irqlens/models';

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
      doc: stepDocRef(f.id, s.id),
      rules: s.rules ?? [],
      source: s.source,
      branches: s.branches,
      links: s.links.map((l) => ({ codebase: l.codebase, symbol: l.symbol, file: l.file, kind: l.kind, formerly: l.formerly })),
      contracts: (s.contracts ?? []).map((c) => ({ id: c.id, text: c.text, source: c.source, codebase: c.codebase, symbol: c.symbol, check: c.check })),
    })),
  }));
}

/** Writes one page per flow and the index into `dir`; returns the files written. */
export function writeFlowDocs(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return flowDocPages(allFlows, allRules).map((page) => {
    const file = path.join(dir, page.name);
    fs.writeFileSync(file, page.text);
    return file;
  });
}

export function register(program: Command): void {
  const ids = allFlows.map((f) => f.id).join(', ');
  program
    .command('flows')
    .description('list every modelled interrupt flow with its steps and the functions linked to each step')
    .argument('[flow]', `show only this flow (${ids})`)
    .option('--json', 'machine-readable output')
    .option('--markdown', `write one Markdown page per flow and an index of flows and rules (into ${FLOW_DOCS_DIR}, or --out)`)
    .option('--out <dir>', 'folder for --markdown', FLOW_DOCS_DIR)
    .action((only: string | undefined, opts: { json?: boolean; markdown?: boolean; out: string }) => {
      if (opts.markdown) {
        if (only) throw new Error('--markdown writes every flow; leave out the flow id');
        const files = writeFlowDocs(opts.out);
        process.stdout.write(`wrote ${files.length} pages to ${opts.out}\n`);
        return;
      }
      const flows = only ? allFlows.filter((f) => f.id.toLowerCase() === only.toLowerCase()) : allFlows;
      if (only && flows.length === 0) throw new Error(`unknown flow "${only}" (flows: ${ids})`);
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
