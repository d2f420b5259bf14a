// The check list an external `b4 review` check prints: one entry per patch and one for the series, each
// `{ tool, status, summary, url, details }` with status pass / warn / fail.
import { Finding, ReviewResult } from '../types';

export interface B4Check {
  tool: string;
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  url: string;
  details: string;
}

const URL = 'https://github.com/irqlens/irqlens#reviewing-patches';

function status(findings: Finding[]): B4Check['status'] {
  const live = findings.filter((f) => f.baseline !== 'unchanged' && !f.suppressed);
  if (live.some((f) => f.severity === 'error')) return 'fail';
  if (live.some((f) => f.severity === 'warning')) return 'warn';
  return 'pass';
}

const line = (f: Finding) => `${f.severity} ${f.rule} ${f.file}:${f.line} ${f.function}: ${f.message}${f.consequence ? ` ${f.consequence.sentence}` : ''}`;

export function toB4(r: ReviewResult): B4Check[] {
  const out: B4Check[] = r.patches.map((p) => ({
    tool: 'irqlens',
    status: status(p.findings),
    summary: `${p.subject}: ${p.verdict}`,
    url: URL,
    details: [...p.findings.filter((f) => f.baseline !== 'unchanged').map(line), ...p.problems].join('\n'),
  }));
  out.push({ tool: 'irqlens', status: status(r.series.findings), summary: r.series.verdict, url: URL, details: r.series.findings.map(line).join('\n') });
  return out;
}
