// The flow part of a hover on a linked function: for its own flow's step, the role, what it reads and writes, its
// branches and where each leads, the same operation in the other codebases, a worked simulation of the default
// scenario from this step and one "what if"; other flows it is on in one line. Markdown with command links the client
// trusts by allow-list. Kept under ~30 lines so the whole hover stays under 40.
import type { Codebase, Flow, Step, TraceStep } from '@irqlens/models';
import type { IndexQueries } from '../../engine/index/types';
import { goToStep, linkLabel, markdownLink, showFlow, simulateFromHere } from './commandLinks';
import type { FlowGuide } from '../../engine/flowGuide/flowGuide';
import type { FlowPlace } from '../../engine/flowGuide/flowPlaces';
import { compactFlowName } from './functionLenses';
import { laneOf } from './lanes';
import { linkView } from './linkViews';
import { outcomeLine } from '../../engine/flowGuide/workedSimulation';

const maxBranches = 4;
const maxChanges = 2;

/** How much detail a hover gets; a tighter layout when the symbol part above it is long. */
interface Layout {
  following: number;
  otherSteps: number;
  /** The reads/writes line and the worked example's "before:" line. */
  reads: boolean;
}

const layouts: Layout[] = [
  { following: 6, otherSteps: 2, reads: true },
  { following: 3, otherSteps: 1, reads: true },
  { following: 1, otherSteps: 0, reads: false },
];
const maxPaths = 5;

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',')}]`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function pathList(paths: Iterable<string>): string {
  const all = [...paths];
  if (all.length === 0) return '—';
  const shown = all.slice(0, maxPaths).map((p) => `\`${p}\``).join(', ');
  return all.length > maxPaths ? `${shown} +${all.length - maxPaths}` : shown;
}

function stepRef(index: IndexQueries, flow: Flow<unknown>, step: Step<unknown>, from: Codebase | undefined): string {
  const link = step.links[0];
  if (!link) return `${step.id} ${step.title}`;
  const view = linkView(index, link);
  return markdownLink(goToStep(`${step.id} ${linkLabel(view, from)}`, { flow: flow.id, step: step.id, title: step.title, link: view }));
}

/** A following step in one line: id, title, branch, and its first state change or its reason. */
function traceLine(t: TraceStep): string {
  const change = t.changes[0];
  const tail = change ? `${change.path}: ${show(change.before)} → ${show(change.after)}` : t.why;
  return `${t.step.padEnd(9)} ${clip(t.title, 34).padEnd(34)} ${t.branch.padEnd(16)} ${clip(tail, 60)}`;
}

/**
 * Down to the guest's handler and the EOI, whichever comes later (an upcall vector is EOIed by the entry stub before
 * xen_evtchn_do_upcall runs); the guest's entry stubs (`linux-entry`) are not its handler.
 */
function followingSteps(steps: TraceStep[], maxFollowing: number): { shown: TraceStep[]; more: number } {
  const rest = steps.slice(1);
  const eoi = rest.findIndex((s) => /eoi/i.test(s.step) || /eoi/i.test(s.title));
  const handler = rest.findIndex((s) => laneOf(s.component) === 'guest' && !s.component.endsWith('-entry'));
  const last = Math.max(eoi, handler);
  const end = last < 0 ? rest.length : last + 1;
  const shown = rest.slice(0, Math.min(end, maxFollowing));
  return { shown, more: rest.length - shown.length };
}

/** The section's lines, and the command links that end the hover. */
function placeSection(guide: FlowGuide, index: IndexQueries, place: FlowPlace, symbol: string, codebase: Codebase | undefined, layout: Layout): { lines: string[]; actions: string[] } {
  const { flow, step } = place;
  const lines: string[] = [];
  const flowLink = markdownLink(showFlow(`${flow.id} ${compactFlowName(flow.name)}`, { flow: flow.id, step: step.id }));
  lines.push(`**${flowLink}** · ${place.placeText} (\`${step.id}\`${step.operation ? ` · \`${step.operation}\`` : ''}) — ${step.role}`);
  lines.push('');
  const obs = guide.observation(flow, step);
  if (obs && layout.reads) lines.push(`reads ${pathList(obs.reads)} · writes ${pathList(obs.writes)}`);

  // A bullet list may start right under a paragraph line (CommonMark): no blank line spent on it.
  const branches = guide.branches(flow, step);
  for (const b of branches.slice(0, maxBranches)) {
    const target = guide.step(flow, b.next);
    lines.push(`- branch \`${b.name}\` — ${clip(b.when, 140)} → ${target ? stepRef(index, flow, target, codebase) : 'ends'}`);
  }
  if (branches.length > maxBranches) lines.push(`- … ${branches.length - maxBranches} more branches`);
  if ((obs && layout.reads) || branches.length > 0) lines.push('');

  if (step.operation) {
    const eq = guide
      .equivalents(step.operation)
      .map((g) => ({ label: g.label, symbols: g.symbols.filter((x) => x !== symbol) }))
      .filter((g) => g.symbols.length > 0)
      .map((g) => `${g.label} ${g.symbols.map((x) => `\`${x}\``).join(', ')}`);
    if (eq.length > 0) lines.push(`Same operation elsewhere: ${eq.join(' · ')}`, '');
  }

  const run = guide.workedRun(flow, step);
  if (run) {
    const first = run.steps[0];
    const how = run.start.kind === 'entry' ? 'default run' : run.start.kind === 'step' ? 'run from here' : `scenario ${run.start.name}`;
    const params = Object.entries(run.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    lines.push(`Worked simulation (${how}, ${run.profile}; ${clip(params, 80)}):`);
    const block: string[] = [];
    // The steps that ran before this one and set up the state it reads (the panel's "Assumed" line).
    if (run.assumed.length > 0) block.push(`assumed: ${clip(run.assumed.map((a) => `${a.step} ${a.branch}`).join(' → '), 100)}`);
    if (run.reads.length > 0 && layout.reads) block.push(`before: ${clip(run.reads.slice(0, 4).map((r) => `${r.path}=${show(r.value)}`).join('  '), 110)}`);
    block.push(`${first.step}: ${first.branch} — ${clip(first.why, 90)}`);
    for (const c of first.changes.slice(0, maxChanges)) block.push(`  ${c.path}: ${show(c.before)} → ${show(c.after)}`);
    if (first.changes.length === 0) block.push('  (no state change)');
    const { shown, more } = followingSteps(run.steps, layout.following);
    for (const t of shown) block.push(traceLine(t));
    if (more > 0) block.push(`… ${more} more steps`);
    block.push(`outcome: ${clip(outcomeLine(run.outcome), 110)}`);
    lines.push('```text', ...block, '```');
    const w = guide.whatIf(flow, step);
    if (w) {
      const then = w.then.slice(0, 3).map((t) => t.title).join(' → ');
      lines.push(`What if ${w.change}${w.strategy !== run.start.kind ? ' (run from here)' : ''}: ${w.changesStep ? `\`${w.step.branch}\` — ${clip(w.step.why, 70)}` : 'same branch here'}${then ? `, then ${clip(then, 80)}` : ''}; outcome: ${clip(w.outcome, 80)}`);
    }
    lines.push('');
  }

  const actions = [markdownLink(simulateFromHere('▶ Simulate from here', { flow: flow.id, step: step.id, symbol }))];
  const next = guide.next(flow, step);
  if (next) actions.push(`next: ${stepRef(index, flow, next, codebase)}`);
  return { lines, actions };
}

/**
 * The flow part of the hover for `symbol` read in `codebase` (undefined: any), or undefined when it is on no flow.
 * `maxLines` is what is left of the hover's ~40 lines under the symbol part: a tighter layout is used to stay within.
 */
export function flowHoverMarkdown(guide: FlowGuide, index: IndexQueries, symbol: string, codebase: Codebase | undefined, maxLines = 30): string | undefined {
  const places = guide.places(symbol, codebase);
  if (places.length === 0) return undefined;
  let md = '';
  for (const layout of layouts) {
    md = renderFlowPart(guide, index, places, symbol, codebase, layout);
    if (md.split('\n').length <= maxLines) break;
  }
  return md;
}

function renderFlowPart(guide: FlowGuide, index: IndexQueries, places: FlowPlace[], symbol: string, codebase: Codebase | undefined, layout: Layout): string {
  const { lines, actions } = placeSection(guide, index, places[0], symbol, codebase, layout);
  // Another step of the function (not a copy of this one in another flow, `X6.4@X1`): its role in one line.
  const baseId = (id: string) => id.split('@')[0];
  const seen = new Set([baseId(places[0].step.id)]);
  const copies: FlowPlace[] = [];
  const others: string[] = [];
  for (const p of places.slice(1)) {
    if (seen.has(baseId(p.step.id)) || others.length >= layout.otherSteps) {
      copies.push(p);
      continue;
    }
    seen.add(baseId(p.step.id));
    const link = markdownLink(showFlow(`${p.flow.id} ${compactFlowName(p.flow.name)}`, { flow: p.flow.id, step: p.step.id }));
    others.push(`Also **${link}** · ${p.placeText} (\`${p.step.id}\`) — ${clip(p.step.role, 160)}`);
  }
  if (others.length > 0) lines.push(...others.flatMap((o) => [o, '']));
  // Copies of this step in other flows (`X6.4@X1`) are the same step on their path: no number of their own.
  if (copies.length > 0) actions.push(`also on ${copies.map((p) => p.flow.id).join(', ')}`);
  lines.push(actions.join(' · '));
  return lines.join('\n');
}
