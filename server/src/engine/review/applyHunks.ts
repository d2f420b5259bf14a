// Rebuilds a file's post-image in memory with the `diff` package's applyPatch. When the whole patch does not apply,
// each hunk is tried on its own: the ones that fit are applied, the others are reported with the first line that
// did not match, so what still applies is still reviewed.

import { applyPatch, StructuredPatch, StructuredPatchHunk } from 'diff';

/** A line quoted in a reason: long ones (minified or generated code, a hostile patch) are cut. */
const clip = (line: string) => (line.length > 120 ? `${line.slice(0, 117)}…` : line);

export interface Rejected {
  /** 1-based hunk number in the file. */
  hunk: number;
  header: string;
  reason: string;
}

export interface Applied {
  text: string;
  /** The hunks that applied, in the patch's numbering (1-based). */
  applied: number[];
  rejected: Rejected[];
}

function header(h: StructuredPatchHunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;
}

function single(p: StructuredPatch, h: StructuredPatchHunk): StructuredPatch {
  return { ...p, hunks: [h] };
}

/** Why one hunk does not fit `text`: the first removed or context line that is not where the header says. */
function whyNot(text: string, h: StructuredPatchHunk): string {
  const lines = text.split('\n');
  const wanted = h.lines.filter((l) => l[0] === ' ' || l[0] === '-').map((l) => l.slice(1));
  if (wanted.length === 0) return `nothing to anchor the insertion at line ${h.oldStart}`;
  let line = h.oldStart - 1;
  for (const w of wanted) {
    const got = lines[line];
    if (got === undefined) return `the file has ${lines.length} lines; the hunk expects \`${clip(w.trim())}\` at line ${line + 1}`;
    if (got.replace(/\r$/, '') !== w.replace(/\r$/, '')) {
      const elsewhere = lines.findIndex((l) => l.replace(/\r$/, '') === w.replace(/\r$/, ''));
      return `line ${line + 1} is \`${clip(got.trim())}\` where the hunk expects \`${clip(w.trim())}\`${elsewhere < 0 ? ' (found nowhere in the file)' : ''}`;
    }
    line++;
  }
  return 'the context matches at the header position but applyPatch refused it (an earlier hunk moved past it)';
}

/** Applies `patch` to `text`; never throws. */
export function applyHunks(text: string, patch: StructuredPatch): Applied {
  const whole = applyPatch(text, patch);
  const all = patch.hunks.map((_, i) => i + 1);
  if (whole !== false) return { text: whole, applied: all, rejected: [] };
  let cur = text;
  const applied: number[] = [];
  const rejected: Rejected[] = [];
  patch.hunks.forEach((h, i) => {
    const next = applyPatch(cur, single(patch, h));
    if (next === false) rejected.push({ hunk: i + 1, header: header(h), reason: whyNot(cur, h) });
    else {
      cur = next;
      applied.push(i + 1);
    }
  });
  return { text: cur, applied, rejected };
}
