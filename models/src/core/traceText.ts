// Renders a trace as compact, column-aligned text for terminals and hovers.

import { Flow, StateChange, Trace } from './types';

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',')}]`;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function changeText(c: StateChange): string {
  return `${c.path}: ${show(c.before)} → ${show(c.after)}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export interface TraceTextOptions {
  /** Show the implementing functions per step (one line per codebase). */
  functions?: boolean;
  /** Wrap width for the "why" column; 0 = no wrap. */
  width?: number;
}

/**
 * One block per step:
 *   3  X1.6  evtchn_2l_set_pending   masked        M[5]=1: latched in P only
 *            shared_info.evtchn_pending: {} → {5}
 */
export function traceToText(trace: Trace, flow?: Flow<unknown>, options: TraceTextOptions = {}): string {
  const lines: string[] = [];
  const title = flow ? `${flow.id} ${flow.name}` : trace.flow;
  const params = Object.entries(trace.params).map(([k, v]) => `${k}=${v}`).join(' ');
  lines.push(`${title}`);
  lines.push(`profile ${trace.profile} · from ${trace.from}${params ? ` · ${params}` : ''}`);
  lines.push('');
  const idW = Math.max(4, ...trace.steps.map((s) => s.step.length));
  const titleW = Math.min(34, Math.max(5, ...trace.steps.map((s) => s.title.length)));
  const branchW = Math.min(22, Math.max(6, ...trace.steps.map((s) => s.branch.length)));
  const numW = String(trace.steps.length).length;
  const indent = ' '.repeat(numW + 2 + idW + 2);
  let lastAction: string | undefined;
  for (const s of trace.steps) {
    if (s.action && s.action !== lastAction && !s.step.startsWith('action:')) {
      lines.push(`── ${s.action}`);
    }
    lastAction = s.action ?? lastAction;
    lines.push(`${String(s.index + 1).padStart(numW)}  ${pad(s.step, idW)}  ${pad(s.title, titleW)}  ${pad(s.branch, branchW)}  ${s.why}`);
    for (const c of s.changes) lines.push(`${indent}${changeText(c)}`);
    if (options.functions) {
      for (const f of s.functions) lines.push(`${indent}${pad(f.codebase, 6)}${f.symbol}${f.file ? `  (${f.file})` : ''}`);
    }
  }
  lines.push('');
  if (trace.outcome.length === 0) lines.push('outcome: nothing delivered, nothing left pending');
  else {
    lines.push('outcome:');
    const kindW = Math.max(...trace.outcome.map((o) => o.kind.length));
    for (const o of trace.outcome) {
      const who = [o.target, o.handler && `→ ${o.handler}`, o.what && `(${o.what})`].filter(Boolean).join(' ');
      lines.push(`  ${pad(o.kind, kindW)}  ${who ? `${who}: ` : ''}${o.detail}`);
    }
  }
  if (trace.truncated) lines.push('(stopped at the step limit)');
  return lines.join('\n');
}
