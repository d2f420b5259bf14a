// Renders the flows and the rules registry as Markdown pages (docs/flows/<flow>.md and docs/flows/README.md).
// Pure: the pages are returned as text; `irqlens flows --markdown` writes them and a test compares them with the
// checked-in copies, so the docs never drift from the models.
import { Flow, Step } from '../core/types';
import { equivalents } from '../core/linkQueries';
import { homeFlowId, homeStepId, isSharedStep, ownSteps, pathPlace, stepPosition } from '../core/stepPosition';
import { Rule } from '../rules/rule';

/** One generated file, `name` relative to the docs folder (`X1.md`, `README.md`). */
export interface DocPage {
  name: string;
  text: string;
}

/** The folder the pages are checked in to, relative to the repository root. */
export const FLOW_DOCS_DIR = 'docs/flows';

/** The HTML anchor of a step on its flow's page: `X1.17@X2` → `x1-17-x2`. */
export function stepAnchor(stepId: string): string {
  return stepId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The anchor of a rule in docs/flows/README.md: `XR18b` → `xr18b`. */
export function ruleAnchor(ruleId: string): string {
  return ruleId.toLowerCase();
}

/** Where a reader finds a step explained, relative to the repository root: `docs/flows/X1.md#x1-6`. */
export function stepDocRef(flowId: string, stepId: string): string {
  return `${FLOW_DOCS_DIR}/${flowId}.md#${stepAnchor(stepId)}`;
}

const RULE_ID = /\b[XQ]R\d+[a-d]?\b/g;

const GENERATED = '<!-- Generated from the models by `irqlens flows --markdown`; edit the models, not this file. -->';

/** Text safe inside a Markdown table cell or paragraph: no raw HTML, no cell breaks, no line breaks. */
function md(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/</g, '&lt;').replace(/\|/g, '\\|');
}

function code(text: string): string {
  return '`' + text.replace(/\|/g, '\\|') + '`';
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** Which flow's page holds each step id (a step id belongs to exactly one flow). */
function stepHomes(flows: readonly Flow<unknown>[]): Map<string, string> {
  const homes = new Map<string, string>();
  for (const f of flows) for (const s of f.steps) homes.set(s.id, f.id);
  return homes;
}

function stepLink(stepId: string, fromFlow: string, homes: Map<string, string>): string {
  const home = homes.get(stepId);
  if (!home) return code(stepId);
  return home === fromFlow ? `[${stepId}](#${stepAnchor(stepId)})` : `[${stepId}](${home}.md#${stepAnchor(stepId)})`;
}

function paramRows(params: Flow<unknown>['params']): string[][] {
  return params.map((p) => {
    const range = p.values ? p.values.map(code).join(', ') : p.min !== undefined || p.max !== undefined ? `${p.min ?? ''}…${p.max ?? ''}` : '';
    return [code(p.name), p.type, code(String(p.default)), range, md(p.description)];
  });
}

function stepSection(flow: Flow<unknown>, step: Step<unknown>, all: readonly Flow<unknown>[], rules: Map<string, Rule>, homes: Map<string, string>): string[] {
  const out: string[] = [];
  out.push(`### <a id="${stepAnchor(step.id)}"></a>${step.id} ${code(step.title)}`, '');
  const place = pathPlace(all, flow, step);
  const where = place?.sharedFrom
    ? `Shared step: ${stepLink(homeStepId(step), flow.id, homes)}, step ${place.position} of ${place.total} of ${place.sharedFrom}, on this flow's path.`
    : `Step ${place?.position ?? '?'} of ${place?.total ?? '?'}.`;
  out.push(`${where} ${md(step.role)}`, '');
  const facts = [`- Component: ${code(step.component)}`];
  if (step.operation) {
    facts.push(`- Operation: ${code(step.operation)}`);
    const own = new Set(step.links.map((l) => `${l.codebase}:${l.symbol}`));
    const others: string[] = [];
    for (const [cb, links] of equivalents(all, step.operation)) for (const l of links) if (!own.has(`${cb}:${l.symbol}`)) others.push(`${cb} ${code(l.symbol)}`);
    facts.push(`- Same operation elsewhere: ${others.length ? others.join(', ') : 'none'}`);
  }
  if (step.source) facts.push(`- Further reading: ${md(step.source)}`);
  out.push(...facts, '');
  if (step.branches?.length) {
    out.push('Branches:', '');
    out.push(...table(['branch', 'taken when', 'leads to'], step.branches.map((b) => [code(b.name), md(b.when), b.next === null ? 'end of the run' : stepLink(b.next, flow.id, homes)])));
    out.push('');
  }
  if (step.rules?.length) {
    out.push('Rules:', '');
    for (const id of step.rules) {
      const r = rules.get(id);
      out.push(r ? `- [**${id}**](README.md#${ruleAnchor(id)}) ${md(r.title)}: ${md(r.text)}` : `- **${id}** (not in the registry)`);
    }
    out.push('');
  }
  out.push('Links:', '');
  out.push(...table(['codebase', 'symbol', 'file', 'note'], step.links.map((l) => {
    const notes = [l.kind && l.kind !== 'function' ? l.kind : '', l.versions ?? '', l.note ?? '', ...(l.formerly ?? []).map((f) => `formerly ${code(f.symbol)} in ${f.in}`)].filter(Boolean);
    return [l.codebase, code(l.symbol), l.file ? code(l.file) : '', md(notes.join('; '))];
  })));
  out.push('');
  if (step.contracts?.length) {
    out.push('Contracts:', '');
    out.push(...table(['id', 'function', 'property', 'check', 'from'], step.contracts.map((c) => [code(c.id), `${c.codebase} ${code(c.symbol)}`, md(c.text), md(describeCheck(c.check)), md(c.source)])));
    out.push('');
  }
  return out;
}

function describeCheck(check: NonNullable<Step['contracts']>[number]['check']): string {
  switch (check.kind) {
    case 'calls': return `calls one of ${check.anyOf.join(', ')}`;
    case 'callOrder': return `calls one of ${check.first.join(', ')} before one of ${check.then.join(', ')}`;
    case 'mentions': return `mentions one of ${check.anyOf.join(', ')}`;
    case 'doesNotCall': return `never calls ${check.names.join(', ')}`;
  }
}

function flowPage(flow: Flow<unknown>, all: readonly Flow<unknown>[], rules: Map<string, Rule>, homes: Map<string, string>): DocPage {
  const out: string[] = [`# ${flow.id}: ${md(flow.name)}`, '', GENERATED, '', md(flow.description), ''];
  out.push(`- Codebases: ${flow.codebases.join(', ')}`);
  out.push(`- Starts at: ${stepLink(flow.entry, flow.id, homes)}`);
  const shared = flow.steps.length - ownSteps(flow).length;
  out.push(`- Steps: ${ownSteps(flow).length}${shared ? ` of its own, and ${shared} shared with other flows on its path` : ''}`, '');
  out.push('## Profiles', '');
  out.push(...table(['profile', 'title', 'description'], flow.profiles.map((p) => [code(p.id) + (p.id === flow.defaultProfile ? ' (default)' : ''), md(p.title), md(p.description)])), '');
  out.push('## Parameters', '');
  out.push(...(flow.params.length ? table(['name', 'type', 'default', 'values', 'meaning'], paramRows(flow.params)) : ['None.']), '');
  out.push('## Actions', '');
  out.push(...(flow.actions.length
    ? table(['action', 'does', 'parameters', 'what it is'], flow.actions.map((a) => [code(a.name), a.from ? `runs from ${stepLink(a.from, flow.id, homes)}` : 'changes the state', a.params.map((p) => code(p.name)).join(', '), md(a.description)]))
    : ['None.']), '');
  out.push('## State', '');
  out.push(...table(['path', 'meaning'], Object.entries(flow.stateDoc).map(([p, m]) => [code(p), md(m)])), '');
  out.push('## Steps', '');
  const number = (s: Step<unknown>) => (isSharedStep(s) ? `(${homeFlowId(flow, s)})` : String(stepPosition(flow, s)?.position ?? ''));
  out.push(...table(['#', 'step', 'title', 'component'], flow.steps.map((s) => [number(s), stepLink(s.id, flow.id, homes), code(s.title), code(s.component)])), '');
  flow.steps.forEach((s) => out.push(...stepSection(flow, s, all, rules, homes)));
  return { name: `${flow.id}.md`, text: out.join('\n').replace(/\n+$/, '') + '\n' };
}

function indexPage(flows: readonly Flow<unknown>[], rules: readonly Rule[]): DocPage {
  const usedBy = new Map<string, string[]>();
  for (const f of flows) {
    for (const s of f.steps) {
      // A step implements the rules it lists; its role and contracts may name more (sub-rules, one contract's rule).
      const named = new Set([...(s.rules ?? []), ...(s.role.match(RULE_ID) ?? []), ...(s.contracts ?? []).flatMap((c) => c.source.match(RULE_ID) ?? [])]);
      for (const id of named) usedBy.set(id, [...(usedBy.get(id) ?? []), `[${s.id}](${f.id}.md#${stepAnchor(s.id)})`]);
    }
  }
  const out: string[] = ['# Interrupt flows and their rules', '', GENERATED, ''];
  out.push('Each flow is an executable model of one interrupt path (`irqlens simulate <flow>`); each page lists its steps,');
  out.push('the branches they take, the rules they implement and the functions that implement them in Xen 4.17, QEMU 7.2 and');
  out.push('Linux 6.1 (KVM and the guest). Rule ids starting with XR belong to the Xen event-channel flows, QR to the QEMU and KVM', 'flows.', '');
  out.push('## Flows', '');
  out.push(...table(['flow', 'name', 'codebases', 'steps'], flows.map((f) => [`[${f.id}](${f.id}.md)`, md(f.name), f.codebases.join(', '), String(ownSteps(f).length)])), '');
  out.push('## Rules', '');
  for (const r of rules) {
    out.push(`### <a id="${ruleAnchor(r.id)}"></a>${r.id}: ${md(r.title)}`, '', md(r.text), '');
    out.push(`Check it in: ${r.checkIn.map(md).join('; ')}.`, '');
    const steps = usedBy.get(r.id);
    out.push(`Steps: ${steps ? steps.join(', ') : 'none names it; it describes the model as a whole or its parameters'}.`, '');
  }
  return { name: 'README.md', text: out.join('\n').replace(/\n+$/, '') + '\n' };
}

/** Every page: one per flow, then the index of flows and rules. */
export function flowDocPages(flows: readonly Flow<unknown>[], rules: readonly Rule[]): DocPage[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const homes = stepHomes(flows);
  return [...flows.map((f) => flowPage(f, flows, byId, homes)), indexPage(flows, rules)];
}
