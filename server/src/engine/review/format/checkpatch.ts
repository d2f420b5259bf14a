// Lines in the shape of `checkpatch.pl --terse`, for the checks `b4 prep --check` and `b4 am` run
// (b4.prep-perpatch-check-cmd, b4.am-perpatch-check-cmd): b4 reads each stdout line as one report line, a failure when
// it holds `ERROR:` and a warning otherwise, and says "passed all checks" when the command prints nothing and exits 0.
// So only what the patch is to blame for is printed: new findings (not the suppressed ones, not contracts already
// broken before it) and the parts that could not be reviewed.
import { ReviewResult } from '../types';

export function toCheckpatch(r: ReviewResult): string {
  const out: string[] = [];
  for (const p of r.patches) {
    for (const f of p.findings) {
      if (f.baseline === 'unchanged' || f.suppressed) continue;
      const tag = f.severity === 'error' ? 'ERROR' : 'WARNING';
      out.push(`${f.file}:${f.line}: ${tag}: ${f.rule} ${f.function}: ${f.message}${f.consequence ? `. ${f.consequence.sentence}` : ''}`.replace(/\s*\n\s*/g, ' '));
    }
    for (const pr of p.problems) out.push(`WARNING: ${pr}`.replace(/\s*\n\s*/g, ' '));
  }
  return out.length ? out.join('\n') + '\n' : '';
}
