// The simulation panel's view: renders what the extension sends (a trace or an error), steps through it, and sends
// parameter changes, link clicks and "show as text" back. Every message is checked; an unknown kind is logged and ignored.
import { select } from 'd3-selection';
import type { FlowView, LinkView, ParamValue, TraceStepView, TraceView } from '../../server/src/protocol/flowMessages';
import { checkToView, type PanelState, type ToView } from '../src/simulation/panelMessages';
import { drawDiagram } from './sequenceDiagram';
import { show, stateAfter } from './stateTable';
import { vscode } from './vscodeApi';

interface Model {
  state: PanelState;
  flow?: FlowView;
  trace?: TraceView;
  error?: { error: string; field?: string; line?: number };
}

let model: Model | undefined;
/** Counts the renders of answers from the extension (tests wait for the next one after a change). */
let answers = 0;
const app = document.getElementById('app')!;

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const checked = checkToView(e.data);
  if (!checked.ok) {
    console.warn(`IRQ Lens panel: ignored a message: ${checked.why}`);
    return;
  }
  receive(checked.msg);
});

document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement | null;
  if (t && ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName)) return;
  const key: Record<string, number | 'first' | 'last'> = { ArrowDown: 1, ArrowRight: 1, j: 1, n: 1, ArrowUp: -1, ArrowLeft: -1, k: -1, p: -1, Home: 'first', End: 'last' };
  const move = key[e.key];
  if (move === undefined || !model?.trace) return;
  e.preventDefault();
  const last = model.trace.steps.length - 1;
  selectStep(move === 'first' ? 0 : move === 'last' ? last : model.state.stepIndex + move);
});

function receive(msg: ToView): void {
  console.debug(`IRQ Lens panel: ${msg.kind}${msg.kind === 'trace' ? ` ${msg.trace.flow} from ${msg.trace.from} ${JSON.stringify(msg.trace.params)}` : ''}`);
  switch (msg.kind) {
    case 'busy':
      document.body.classList.add('busy');
      select(app).select('.status-line').text(msg.text);
      return;
    case 'trace':
      model = { state: msg.state, flow: msg.flow, trace: msg.trace };
      break;
    case 'error':
      model = { state: msg.state, flow: msg.flow ?? model?.flow, error: { error: msg.error, field: msg.field, line: msg.line } };
      break;
  }
  document.body.classList.remove('busy');
  vscode.setState(model.state);
  render();
  // What the view shows now, for tests to wait on: how many answers it rendered, and the parameters of the last trace.
  app.dataset.renders = String(++answers);
  app.dataset.params = model.trace ? JSON.stringify(model.trace.params) : '';
}

function selectStep(i: number): void {
  if (!model?.trace) return;
  const index = Math.max(0, Math.min(model.trace.steps.length - 1, i));
  if (index === model.state.stepIndex) return;
  model.state = { ...model.state, stepIndex: index };
  vscode.setState(model.state);
  vscode.postMessage({ kind: 'selectStep', stepIndex: index });
  render();
  document.querySelector('.row.selected')?.scrollIntoView({ block: 'nearest' });
}

function openLink(link: LinkView): void {
  vscode.postMessage({ kind: 'openLink', link });
}

function render(): void {
  if (!model) return;
  const root = select(app);
  root.selectAll('*').remove();
  const { trace, flow, error, state } = model;

  const head = root.append('header');
  head.append('h1').text(state.title);
  if (trace) {
    head.append('p').attr('class', 'meta').text(`${trace.flow} ${trace.flowName} · profile ${trace.profile} · from ${trace.from}`);
    // A run from a step: the earlier steps that set up its state, or why it started with a fresh one.
    if (trace.assumed?.length) {
      head.append('p').attr('class', 'assumed').attr('title', trace.assumed.map((a) => `${a.step} ${a.title}: ${a.branch}`).join('\n'))
        .text(`Assumed (the run from the entry up to ${trace.from}, not shown): ${trace.assumed.map((a) => `${a.step} ${a.branch}`).join(' → ')}`);
    } else if (trace.startedAlone) {
      head.append('p').attr('class', 'assumed').text(`Assumed: nothing (${trace.startedAlone})`);
    }
  }
  head.append('p').attr('class', 'status-line');

  if (error) {
    const box = root.append('section').attr('class', 'error').attr('role', 'alert');
    box.append('h2').text(error.field ? `Error in ${error.field}` : 'Error');
    box.append('p').attr('class', 'error-text').text(error.field ? `${error.field}: ${error.error}` : error.error);
    if (error.line !== undefined) box.append('p').attr('class', 'hint').text(`Line ${error.line + 1} of the scenario file; also in the Problems panel.`);
  }
  if (flow) renderParams(flow, trace);
  if (!trace) return;

  renderOutcome(trace);

  const steps = trace.steps;
  const i = state.stepIndex;
  const bar = root.append('nav').attr('class', 'toolbar');
  bar.append('button').attr('id', 'back').attr('title', 'Previous step (↑, ←, k)').property('disabled', i <= 0).text('◀ Back').on('click', () => selectStep(i - 1));
  bar.append('span').attr('class', 'position').text(`step ${steps.length ? i + 1 : 0} of ${steps.length}${trace.truncated ? ' (stopped at the step limit)' : ''}`);
  bar.append('button').attr('id', 'next').attr('title', 'Next step (↓, →, j)').property('disabled', i >= steps.length - 1).text('Next ▶').on('click', () => selectStep(i + 1));
  bar.append('button').attr('id', 'show-text').attr('class', 'secondary').text('Show trace as text').on('click', () => vscode.postMessage({ kind: 'showText' }));

  const split = root.append('div').attr('class', 'split');
  const diagram = split.append('div').attr('class', 'diagram').node()!;
  drawDiagram(diagram, steps, i, { select: selectStep, open: (s) => openLink(s.functions[0]) });
  const aside = split.append('aside').attr('class', 'detail');
  if (steps[i]) renderStep(aside.node()!, steps[i], i, steps[i + 1]);

  if (trace.expectations?.length) {
    const ex = root.append('section').attr('class', 'expectations');
    ex.append('h2').text('Expectations');
    const li = ex.append('ul').selectAll('li').data(trace.expectations).join('li').attr('class', (d) => (d.ok ? 'ok' : 'failed'));
    li.append('span').attr('class', 'badge').text((d) => (d.ok ? 'ok' : 'FAILED'));
    li.append('span').text((d) => ` ${d.text}${d.detail ? ` (${d.detail})` : ''}`);
  }
}

function renderOutcome(trace: TraceView): void {
  const sec = select(app).append('section').attr('class', 'outcome');
  sec.append('h2').text('Outcome');
  if (!trace.outcome.length) sec.append('p').attr('class', 'outcome-none').text('nothing delivered, nothing left pending');
  const li = sec.append('ul').selectAll('li').data(trace.outcome).join('li').attr('class', (d) => `outcome-${d.kind}`);
  li.append('span').attr('class', 'badge').text((d) => d.kind);
  li.append('span').text((d) => ` ${[d.target, d.handler && `→ ${d.handler}`, d.what && `(${d.what})`].filter(Boolean).join(' ')}: ${d.detail}`);
}

function renderStep(host: HTMLElement, step: TraceStepView, position: number, next: TraceStepView | undefined): void {
  const d = select(host);
  d.append('h2').attr('class', 'step-title').text(`${position + 1}. ${step.step} ${step.title}`);
  d.append('p').attr('class', 'step-meta').text(`${step.component} · lane ${step.lane} · branch ${step.branch}${step.action ? ` · action ${step.action}` : ''}${step.context ? ` · on ${step.context}` : ''}`);
  d.append('p').attr('class', 'why').text(step.why);
  // A kick or a tasklet: the next step is queued on another context and runs later, not called from here.
  if (step.deferredTo && step.next) d.append('p').attr('class', 'hint').text(`${step.next} is queued on ${step.deferredTo}: it runs later, not as a call from here.`);
  // Work handed over while this chain goes on (a tasklet scheduled, a vCPU kicked): it runs later, on that context.
  for (const h of step.handedOff ?? []) d.append('p').attr('class', 'hint').text(`${h.replace(' → ', ' is queued on ')}: it runs later there, while this chain goes on.`);
  d.append('h3').text('Functions');
  functionList(host, step.functions, 'functions');
  if (next) {
    d.append('h3').text(`Next: ${next.step} ${next.title}`);
    functionList(host, next.functions, 'next-functions');
  }
  d.append('h3').text('State after this step');
  const rows = stateAfter(model!.trace!.steps, model!.state.stepIndex);
  if (!rows.length) {
    d.append('p').attr('class', 'hint').text('This trace changes no state.');
    return;
  }
  const table = d.append('table').attr('class', 'state');
  table.append('thead').append('tr').selectAll('th').data(['field', 'value']).join('th').text((t) => t);
  const tr = table.append('tbody').selectAll('tr').data(rows).join('tr').attr('class', (r) => (r.changed ? 'changed' : null));
  tr.append('td').attr('class', 'path').text((r) => r.path);
  tr.append('td').attr('class', 'value').text((r) => (r.changed ? `${show(r.before)} → ${show(r.value)}` : show(r.value)));
}

function functionList(host: HTMLElement, links: LinkView[], cls: string): void {
  const ul = select(host).append('ul').attr('class', `links ${cls}`);
  if (!links.length) ul.append('li').attr('class', 'hint').text('no function linked');
  for (const link of links) {
    const li = ul.append('li');
    li.append('span').attr('class', 'codebase').text(link.codebase);
    const a = li.append('a').attr('href', '#').attr('class', link.location ? 'fn' : 'fn unresolved').attr('data-symbol', link.symbol).text(link.symbol);
    a.on('click', (e: MouseEvent) => {
      e.preventDefault();
      openLink(link);
    });
    if (link.location) {
      const file = decodeURIComponent(link.location.uri.replace(/^.*\//, ''));
      li.append('span').attr('class', 'where').text(` ${file}:${link.location.line + 1}`);
    } else {
      li.append('span').attr('class', 'why-unresolved').attr('title', link.unresolved ?? '').text(` not resolved: ${link.unresolved ?? 'no location'}`);
    }
  }
}

/** The flow's profile and parameters, editable: enums as selects, bools as checkboxes, ints as number inputs. */
function renderParams(flow: FlowView, trace: TraceView | undefined): void {
  const form = select(app).append('form').attr('class', 'params').on('submit', (e: Event) => e.preventDefault());
  const current: Record<string, ParamValue> = { ...(model?.state.request.params ?? {}), ...(trace?.params ?? {}) };
  const profile = trace?.profile ?? model?.state.request.profile ?? flow.defaultProfile;
  const changed = () => {
    const params: Record<string, ParamValue> = {};
    for (const p of flow.params) {
      const el = form.select<HTMLInputElement & HTMLSelectElement>(`[name="param-${p.name}"]`).node();
      if (!el) continue;
      if (p.type === 'bool') params[p.name] = el.checked;
      else if (p.type === 'int') {
        const n = Number(el.value);
        if (el.value === '' || !Number.isInteger(n)) return; // wait for a whole number
        params[p.name] = n;
      } else params[p.name] = el.value;
    }
    const prof = form.select<HTMLSelectElement>('[name="profile"]').node()?.value;
    console.debug(`IRQ Lens panel: rerun ${JSON.stringify(params)}`);
    vscode.postMessage({ kind: 'rerun', profile: prof, params });
  };

  if (flow.profiles.length) {
    const f = form.append('label').attr('class', 'field');
    f.append('span').text('profile');
    const sel = f.append('select').attr('name', 'profile').on('change', changed);
    sel.selectAll('option').data(flow.profiles).join('option').attr('value', (p) => p.id).property('selected', (p) => p.id === profile).text((p) => p.title || p.id);
  }
  for (const p of flow.params) {
    const value = current[p.name] ?? p.default;
    const f = form.append('label').attr('class', `field param-${p.type}`).attr('title', p.description);
    f.append('span').text(p.name);
    const name = `param-${p.name}`;
    if (p.type === 'enum') {
      const sel = f.append('select').attr('name', name).on('change', changed);
      sel.selectAll('option').data(p.values ?? []).join('option').attr('value', (v) => v).property('selected', (v) => v === String(value)).text((v) => v);
    } else if (p.type === 'bool') {
      f.append('input').attr('type', 'checkbox').attr('name', name).property('checked', value === true).on('change', changed);
    } else if (p.type === 'int') {
      const input = f.append('input').attr('type', 'number').attr('name', name).attr('step', 1).property('value', String(value)).on('change', changed);
      if (p.min !== undefined) input.attr('min', p.min);
      if (p.max !== undefined) input.attr('max', p.max);
    } else {
      f.append('input').attr('type', 'text').attr('name', name).property('value', String(value)).on('change', changed);
    }
  }
}

// A new view (first open, or after a reload) asks the extension for what to show; the saved state says what it was.
const saved = vscode.getState();
if (saved) model = { state: saved };
vscode.postMessage({ kind: 'ready', state: saved });
