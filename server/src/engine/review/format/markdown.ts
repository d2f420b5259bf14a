// A review as Markdown a maintainer can paste as a reply: the verdict, the flows touched, and each finding under the
// quoted hunk line it sits on, with its consequence in one sentence.
import { Finding, PatchReview, ReviewResult, StepTouch } from '../types';

function flowsTouched(steps: StepTouch[]): string[] {
  const byFlow = new Map<string, StepTouch[]>();
  for (const s of steps) byFlow.set(s.flow, [...(byFlow.get(s.flow) ?? []), s]);
  return [...byFlow].map(([flow, list]) => {
    const items = list.map((s) => {
      const how = s.how === 'body' ? '' : s.how === 'callee' ? ` (through ${s.via})` : ` (${s.how === 'ops-table-join' ? 'joins' : 'leaves'} ${s.via})`;
      const eq = s.equivalents.length ? `; same operation in ${s.equivalents.map((e) => `${e.codebase} \`${e.symbol}\``).join(', ')}` : '';
      return `${s.step} \`${s.function}\` (step ${s.position} of ${s.steps}, ${s.codebase})${how}${eq}`;
    });
    return `- **${flow}**: ${items.join('; ')}`;
  });
}

function finding(f: Finding): string[] {
  const out: string[] = [];
  if (f.quote?.length) {
    out.push(`> ${f.file}`);
    for (const l of f.quote) out.push(`> ${l}`);
    out.push('');
  }
  const sev = f.suppressed ? `suppressed (irqlens: allow at ${f.file}:${f.suppressed.line})` : f.severity;
  out.push(`**${sev}** \`${f.rule}\` in \`${f.function}\` (${f.file}:${f.line}, ${f.flow} ${f.step}): ${f.message}.`);
  if (f.consequence) out.push(`Consequence: ${f.consequence.sentence}`);
  out.push(`Rule: ${f.ruleText} (${f.ruleSource}).`, '');
  return out;
}

function patch(p: PatchReview): string[] {
  const out = [`### ${p.subject}`, '', `Verdict: ${p.verdict}`, ''];
  const notes = p.files.filter((f) => f.note || f.rejected?.length || f.kind !== 'modified');
  if (notes.length) {
    for (const f of notes) out.push(`- \`${f.oldPath ? `${f.oldPath} → ` : ''}${f.path}\`: ${f.kind}${f.mode ? ` (${f.mode})` : ''}${f.note ? `; ${f.note}` : ''}${f.rejected?.length ? `; hunks not applied: ${f.rejected.map((r) => `${r.hunk} (${r.reason})`).join(', ')}` : ''}`);
    out.push('');
  }
  const flows = flowsTouched(p.steps);
  if (flows.length) out.push('Interrupt paths touched:', '', ...flows, '');
  for (const f of p.findings.filter((x) => x.baseline !== 'unchanged')) out.push(...finding(f));
  const info = p.findings.filter((x) => x.baseline === 'unchanged');
  if (info.length) out.push(`Already broken before this patch (not caused by it): ${info.map((f) => `\`${f.rule}\` in \`${f.function}\``).join(', ')}.`, '');
  for (const pr of p.problems) out.push(`- problem: ${pr}`);
  if (p.problems.length) out.push('');
  return out;
}

export function toMarkdown(r: ReviewResult): string {
  const out = ['## IRQ Lens review', '', `Series verdict: ${r.series.verdict}`, ''];
  for (const s of r.skipped) out.push(`- skipped "${s.subject}": ${s.reason}`);
  if (r.skipped.length) out.push('');
  for (const p of r.patches) out.push(...patch(p));
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}
