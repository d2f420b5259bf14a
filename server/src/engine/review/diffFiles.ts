// The files of one patch mail: the diff part of the mail (commit message and `-- ` signature left out) cut at each
// `diff --git` header and parsed with the `diff` package's parsePatch, so a malformed file names itself and the
// others are still reviewed. Renames, copies, new and deleted files, mode-only changes and binary data are classified
// here and always reported.

import { parsePatch, StructuredPatch } from 'diff';
import { FileChange } from './types';

export interface FileDiff {
  change: FileChange;
  /** The parsed hunks (absent for binary and malformed files). */
  patch?: StructuredPatch;
}

export interface MailDiff {
  files: FileDiff[];
  problems: string[];
}

/** Mail transport turns every line end into CRLF: undo it when every line has one (a CRLF file edited by a patch
 *  that came through LF keeps its `\r`s, which applyPatch matches against the tree's line ends). */
export function normalizeLineEnds(text: string): string {
  const lines = text.split('\n');
  const withCr = lines.filter((l) => l.endsWith('\r')).length;
  const nonEmpty = lines.filter((l) => l !== '').length;
  return withCr > 0 && withCr >= nonEmpty - 1 ? text.replace(/\r\n/g, '\n').replace(/\r$/, '') : text;
}

/** Cuts the mail signature (`-- ` line, then the git version) off: the last `-- ` line after which no hunk starts.
 *  A removed line reading `- ` is also `-- `, so the cut is only made where nothing diff-like follows. */
export function stripSignature(text: string): string {
  const re = /^-- $/gm;
  let cut = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const rest = text.slice(m.index + 4);
    const next = rest.split('\n', 1)[0];
    if (cut < 0 && !/^[-+ \\]/.test(next) && !/^(@@ |diff --git )/m.test(rest)) cut = m.index;
  }
  return cut >= 0 ? text.slice(0, cut) : text;
}

/** The diff part of a mail body: from the first `diff --git` (or `--- `/`+++ ` pair) on. */
function diffPart(text: string): string {
  const git = text.search(/^diff --git /m);
  const plain = text.search(/^--- \S.*\n\+\+\+ \S/m);
  const starts = [git, plain].filter((i) => i >= 0);
  return starts.length ? text.slice(Math.min(...starts)) : '';
}

/** One chunk per `diff --git` header (or the whole text for a non-git diff). */
function fileChunks(diff: string): string[] {
  const at: number[] = [];
  const re = /^diff --git /gm;
  for (let m = re.exec(diff); m; m = re.exec(diff)) at.push(m.index);
  if (at.length === 0) return diff.trim() ? [diff] : [];
  return at.map((s, i) => diff.slice(s, at[i + 1] ?? diff.length));
}

function stripPrefix(name: string | undefined): string | undefined {
  if (name === undefined || name === '/dev/null') return undefined;
  return name.replace(/^[ab]\//, '').replace(/\t.*$/, '');
}

/** The paths a `diff --git a/x b/y` line names (unquoted paths only; enough when ---/+++ are absent). */
function gitHeaderPaths(chunk: string): { a?: string; b?: string } {
  const m = /^diff --git a\/(\S+) b\/(\S+)/.exec(chunk);
  return m ? { a: m[1], b: m[2] } : {};
}

function classify(p: StructuredPatch, chunk: string): FileChange {
  const head = gitHeaderPaths(chunk);
  const oldPath = stripPrefix(p.oldFileName) ?? head.a;
  const newPath = stripPrefix(p.newFileName) ?? head.b;
  const gitBinary = /^GIT binary patch$/m.test(chunk);
  const binary = Boolean(p.isBinary) || gitBinary;
  const path = (p.isDelete ? oldPath : newPath) ?? oldPath ?? '(unnamed file)';
  let kind: FileChange['kind'];
  if (binary) kind = 'binary';
  else if (p.isCreate) kind = 'added';
  else if (p.isDelete) kind = 'deleted';
  else if (p.isRename) kind = 'renamed';
  else if (p.isCopy) kind = 'copied';
  else if (p.hunks.length === 0 && (p.oldMode || p.newMode)) kind = 'mode-only';
  else kind = 'modified';
  const change: FileChange = { path, kind, hunks: p.hunks.length };
  if (oldPath && oldPath !== path) change.oldPath = oldPath;
  if (p.oldMode && p.newMode && p.oldMode !== p.newMode) change.mode = `${p.oldMode} → ${p.newMode}`;
  if (binary) {
    change.binary = true;
    change.note = gitBinary ? 'GIT binary patch: binary data, not reviewed' : 'binary file changed: not reviewed';
    if (p.isCreate) change.note += ' (new file)';
    if (p.isDelete) change.note += ' (deleted file)';
  }
  return change;
}

/** Parses the diff of one mail. Never throws: a file that does not parse is reported with parsePatch's reason. */
export function parseMailDiff(body: string): MailDiff {
  const text = stripSignature(normalizeLineEnds(body));
  const diff = diffPart(text);
  const files: FileDiff[] = [];
  const problems: string[] = [];
  for (const chunk of fileChunks(diff)) {
    const head = gitHeaderPaths(chunk);
    const name = head.b ?? /^\+\+\+ (?:b\/)?(\S+)/m.exec(chunk)?.[1] ?? '(unnamed file)';
    let parsed: StructuredPatch[];
    try {
      parsed = parsePatch(chunk);
    } catch (e) {
      // parsePatch quotes the offending line whole: a reason stays one readable line.
      const raw = e instanceof Error ? e.message : String(e);
      const why = raw.length > 200 ? `${raw.slice(0, 197)}…` : raw;
      problems.push(`${name}: the diff is malformed (${why}); this file is not reviewed`);
      files.push({ change: { path: name, kind: 'modified', hunks: 0, note: `malformed diff: ${why}` } });
      continue;
    }
    for (const p of parsed) {
      if (!p.isGit && p.hunks.length === 0 && p.oldFileName === undefined && p.newFileName === undefined) continue;
      const change = classify(p, chunk);
      if (change.kind === 'modified' && change.hunks === 0) {
        change.note = 'the diff names the file but holds no hunk: nothing to review';
        problems.push(`${change.path}: the diff names the file but holds no hunk (cut after its headers?)`);
      }
      files.push(change.binary ? { change } : { change, patch: p });
    }
  }
  return { files, problems };
}
