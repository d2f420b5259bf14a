// The review panel's HTML: a strict Content-Security-Policy (no remote content; style and script only with the nonce
// of this render), every text escaped, a "simulate the consequence" button per new finding and "copy Markdown".
import type { ReviewFindingView, ReviewResultView, ReviewStepView } from '../../../server/src/protocol/reviewMessages';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function stepsHtml(steps: ReviewStepView[]): string {
  if (steps.length === 0) return '<p class="muted">No interrupt-path step touched.</p>';
  const rows = steps.map((s) => {
    const how = s.how === 'body' ? 'changed' : s.how === 'callee' ? `calls changed ${s.via ?? ''}` : `${s.how === 'ops-table-join' ? 'joins' : 'leaves'} ${s.via ?? ''}`;
    const eq = s.equivalents.map((e) => `${e.codebase} ${e.symbol}`).join(', ');
    return `<tr><td>${esc(s.flow)}</td><td>${esc(s.step)}</td><td><code>${esc(s.function)}</code></td><td>${esc(s.codebase)}</td><td>${s.position}/${s.steps}</td><td>${esc(how)}</td><td>${esc(eq)}</td></tr>`;
  });
  return `<table><tr><th>flow</th><th>step</th><th>function</th><th>codebase</th><th>position</th><th>how</th><th>equivalents</th></tr>${rows.join('')}</table>`;
}

function findingHtml(f: ReviewFindingView): string {
  const sev = f.suppressed ? 'suppressed' : f.severity;
  const cons = f.consequence ? `<p class="consequence"><b>Consequence:</b> ${esc(f.consequence.sentence)}</p>` : '';
  // A built-in scenario shows the run the consequence is about (as modelled: the sentence says what the broken code changes).
  const scenario = f.consequence && !f.consequence.scenario.startsWith('generated:') ? f.consequence.scenario : '';
  const button = f.baseline === 'new' ? `<button data-flow="${esc(f.flow)}" data-step="${esc(f.step)}" data-scenario="${esc(scenario)}">${scenario ? `Run scenario ${esc(scenario)}` : 'Simulate the consequence'}</button>` : '';
  return `<div class="finding ${esc(sev)}"><p><b>${esc(sev)}</b> <code>${esc(f.rule)}</code> in <code>${esc(f.function)}</code> (${esc(f.file)}:${f.line}, ${esc(f.flow)} ${esc(f.step)})</p><p>${esc(f.message)}</p>${cons}${button}</div>`;
}

export function reviewHtml(review: ReviewResultView, nonce: string, cspSource: string): string {
  const patches = review.patches.map((p) => {
    const files = p.files.filter((f) => f.kind !== 'modified' || f.note || f.rejected?.length).map((f) => `<li><code>${esc(f.path)}</code>: ${esc(f.kind)}${f.note ? ` — ${esc(f.note)}` : ''}${f.rejected?.length ? ` — ${f.rejected.length} hunk(s) not applied` : ''}</li>`);
    return `<section><h2>${esc(p.subject)}</h2><p class="verdict">${esc(p.verdict)}</p>${files.length ? `<ul>${files.join('')}</ul>` : ''}<h3>Flows touched</h3>${stepsHtml(p.steps)}${p.findings.length ? `<h3>Findings</h3>${p.findings.map(findingHtml).join('')}` : ''}${p.problems.map((x) => `<p class="problem">${esc(x)}</p>`).join('')}</section>`;
  });
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>IRQ Lens review</title>
<style nonce="${nonce}">body{font-family:var(--vscode-font-family);color:var(--vscode-foreground)} table{border-collapse:collapse} td,th{padding:2px 8px;text-align:left} .muted{opacity:.7} .finding{border-left:3px solid var(--vscode-editorInfo-foreground);padding-left:8px;margin:8px 0} .finding.error{border-color:var(--vscode-editorError-foreground)} .finding.warning{border-color:var(--vscode-editorWarning-foreground)} .verdict{font-weight:bold}</style>
</head><body><h1>IRQ Lens review</h1><p class="verdict">${esc(review.series.verdict)}</p><button id="copy">Copy Markdown</button>
${review.skipped.map((s) => `<p class="muted">skipped “${esc(s.subject)}”: ${esc(s.reason)}</p>`).join('')}${patches.join('')}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.getElementById('copy').addEventListener('click', () => vscode.postMessage({ kind: 'copy' }));
for (const b of document.querySelectorAll('button[data-flow]')) b.addEventListener('click', () => vscode.postMessage({ kind: 'simulate', flow: b.dataset.flow, step: b.dataset.step, scenario: b.dataset.scenario }));
</script></body></html>`;
}
