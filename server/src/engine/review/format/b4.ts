// The result list of a `b4 review` external check (b4.review-perpatch-check-cmd): b4 pipes ONE message to the
// command's stdin (a patch, or for a series check the cover letter) and reads a JSON array from its stdout, each
// entry `{ tool, status, summary, url, details }` with status pass / warn / fail; results are kept per message and
// tool, so one invocation gives one entry for its tool. An empty array means "nothing to report for this message".
import { Finding, PatchReview, ReviewResult } from '../types';

export interface B4Check {
  tool: string;
  status: 'pass' | 'warn' | 'fail';
  /** One line (b4 shows it in the detail view). */
  summary: string;
  url: string;
  /** Multi-line text for b4's scrollable detail view. */
  details: string;
}

export const B4_TOOL = 'irqlens';
const URL = 'https://github.com/irqlens/irqlens#reviewing-patches';

const RANK: Record<B4Check['status'], number> = { pass: 0, warn: 1, fail: 2 };
const worst = (a: B4Check['status'], b: B4Check['status']) => (RANK[b] > RANK[a] ? b : a);

function status(findings: Finding[], problems: string[]): B4Check['status'] {
  const live = findings.filter((f) => f.baseline !== 'unchanged' && !f.suppressed);
  if (live.some((f) => f.severity === 'error')) return 'fail';
  // A warning, or a part of the patch that could not be reviewed (a hunk that does not apply, a malformed file).
  if (live.some((f) => f.severity === 'warning') || problems.length) return 'warn';
  return 'pass';
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

function findingLines(f: Finding): string[] {
  const head = `${f.suppressed ? 'suppressed' : f.severity} ${f.rule} ${f.file}:${f.line} ${f.function}: ${f.message}`;
  const out = [head];
  if (f.consequence) out.push(`  consequence (${f.consequence.scenario}): ${f.consequence.sentence}`);
  return out;
}

function patchDetails(p: PatchReview): string[] {
  const out: string[] = [];
  const flows = [...new Set(p.steps.map((s) => `${s.flow} ${s.step} ${s.function}`))];
  if (flows.length) out.push(`steps touched: ${flows.join(', ')}`);
  for (const f of p.findings.filter((x) => x.baseline !== 'unchanged')) out.push(...findingLines(f));
  const info = p.findings.filter((x) => x.baseline === 'unchanged');
  if (info.length) out.push(`already broken before this patch (not caused by it): ${info.map((f) => `${f.rule} in ${f.function}`).join(', ')}`);
  for (const pr of p.problems) out.push(`problem: ${pr}`);
  return out;
}

/**
 * One entry for the input: a single patch gives that patch's result; several (an mbox reviewed outside b4) give the
 * series' net result with a line per patch. A review with no patch (a cover letter alone) gives the empty list.
 */
export function toB4(r: ReviewResult): B4Check[] {
  if (r.patches.length === 0) return [];
  if (r.patches.length === 1) {
    const p = r.patches[0];
    return [{ tool: B4_TOOL, status: status(p.findings, p.problems), summary: oneLine(p.verdict), url: URL, details: patchDetails(p).join('\n') }];
  }
  const perPatch = r.patches.reduce<B4Check['status']>((s, p) => worst(s, p.problems.length ? 'warn' : 'pass'), 'pass');
  const details = [
    ...r.patches.map((p) => `${p.subject}: ${p.verdict}`),
    ...r.series.findings.flatMap(findingLines),
    ...r.series.restored.map((x) => `${x.rule} in ${x.function}: broken in ${x.brokenIn}, restored in ${x.restoredIn} (not a finding of the series)`),
    ...r.skipped.map((s) => `skipped "${s.subject}": ${s.reason}`),
  ];
  return [{ tool: B4_TOOL, status: worst(status(r.series.findings, []), perPatch), summary: oneLine(r.series.verdict), url: URL, details: details.join('\n') }];
}
