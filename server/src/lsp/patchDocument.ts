// Where things are in an open patch document (.patch, .diff, .mbox): for each mail, each file header and hunk header
// line, and for each `+`/` ` line the post-image line it becomes — so a review finding (file, post line) is put back
// on the `+` line it came from, and lenses sit on file and hunk headers.

export interface HunkLine {
  /** Zero-based line in the document. */
  docLine: number;
  /** 1-based position of the mail in the document (1 when there is no mbox separator). */
  mail: number;
  file: string;
  kind: 'file' | 'hunk' | '+' | '-' | ' ';
  /** Post-image line for `+` and ` `; the post line at the hunk start for `-` and headers. */
  newLine: number;
  /** For hunk headers: the post-image range. */
  newEnd?: number;
}

const MBOX_SEPARATOR = /^From \S+ +\S+ \S+ +\d+ [\d:]+ \d{4}\s*$/;

export function mapPatchDocument(text: string): HunkLine[] {
  const out: HunkLine[] = [];
  const lines = text.split(/\r?\n/);
  let mail = lines.some((l) => MBOX_SEPARATOR.test(l)) ? 0 : 1;
  let file = '';
  let newLine = 0;
  let inHunk = false;
  let remainingOld = 0;
  let remainingNew = 0;
  lines.forEach((l, i) => {
    if (MBOX_SEPARATOR.test(l)) {
      mail++;
      inHunk = false;
      return;
    }
    if (inHunk && (remainingOld > 0 || remainingNew > 0)) {
      const c = l[0] ?? ' ';
      if (c === '+') {
        out.push({ docLine: i, mail, file, kind: '+', newLine: newLine++ });
        remainingNew--;
        return;
      }
      if (c === '-') {
        out.push({ docLine: i, mail, file, kind: '-', newLine });
        remainingOld--;
        return;
      }
      if (c === ' ' || l === '') {
        out.push({ docLine: i, mail, file, kind: ' ', newLine: newLine++ });
        remainingOld--;
        remainingNew--;
        return;
      }
      if (c === '\\') return;
      inHunk = false;
    }
    const git = /^diff --git a\/(\S+) b\/(\S+)/.exec(l);
    const plus = /^\+\+\+ (?:b\/)?(\S+)/.exec(l);
    if (git) {
      file = git[2];
      out.push({ docLine: i, mail, file, kind: 'file', newLine: 1 });
    } else if (plus && plus[1] !== '/dev/null') {
      if (out[out.length - 1]?.kind !== 'file' || out[out.length - 1].file !== plus[1]) {
        file = plus[1];
        if (!out.some((x) => x.mail === mail && x.kind === 'file' && x.file === file)) out.push({ docLine: i, mail, file, kind: 'file', newLine: 1 });
      }
    }
    const h = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(l);
    if (h) {
      remainingOld = h[1] === undefined ? 1 : Number(h[1]);
      newLine = Number(h[2]);
      remainingNew = h[3] === undefined ? 1 : Number(h[3]);
      inHunk = true;
      out.push({ docLine: i, mail, file, kind: 'hunk', newLine, newEnd: newLine + remainingNew });
    }
  });
  return out;
}

const sameFile = (a: string, b: string) => a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);

/** The document line of a finding: the `+` line that became post line `line` of `file` in mail `mail`, else the
 *  nearest changed line of the same hunk, else the file header. */
export function findingLine(map: HunkLine[], mail: number, file: string, line: number): number | undefined {
  const mine = map.filter((x) => x.mail === mail && sameFile(x.file, file));
  const exact = mine.find((x) => x.kind === '+' && x.newLine === line) ?? mine.find((x) => x.kind === ' ' && x.newLine === line);
  if (exact) return exact.docLine;
  const changed = mine.filter((x) => x.kind === '+' || x.kind === '-');
  if (changed.length) return changed.reduce((b, x) => (Math.abs(x.newLine - line) < Math.abs(b.newLine - line) ? x : b)).docLine;
  return mine.find((x) => x.kind === 'file')?.docLine;
}
