// `irqlens review`: a patch or a series against the given trees. Each patch is applied in memory on top of the ones
// before it; its touched functions, steps and contract verdicts are computed from the pre- and post-image of each
// file; the series' own verdict compares the trees before the first patch with the state after the last, so a
// contract broken by one patch and restored by a later one is not a finding of the series.

import * as path from 'node:path';
import { allFlows, Flow } from '@irqlens/models';
import type { TreeInfo } from '../index/types';
import { applyHunks } from './applyHunks';
import { simulateConsequence } from './consequence';
import { ContractHome, contractOutcome, contractsBySymbol, macroExpander } from './contractFindings';
import { parseMailDiff } from './diffFiles';
import { FileEdit, fileEdit, isCFile } from './functionChanges';
import { BadInputError, PatchMail, splitInput, subjectNumber } from './mailSplit';
import { ReviewIndex, touchedSteps } from './touchedSteps';
import { TreeFiles, codebaseOfPath } from './treeFiles';
import { Consequence, ContractVerdict, Finding, PatchReview, ReviewResult, SeriesReview, StepTouch, TouchedFunction } from './types';

export interface ReviewOptions {
  /** Tree roots, or trees already recognised (the server's workspace). */
  trees: readonly string[] | readonly TreeInfo[];
  /** The index over those trees, for callers one call away, ops-table users and macros; review works without it. */
  index?: ReviewIndex;
  flows?: readonly Flow<unknown>[];
  /** The pre-image of a file when it is not the tree on disk (a git range's base, the index). */
  readBase?: (abs: string) => string | undefined;
  /** Run the simulator for each new finding (default true). */
  consequences?: boolean;
}

interface Analysis {
  functions: TouchedFunction[];
  steps: StepTouch[];
  contracts: ContractVerdict[];
  findings: Finding[];
}

class Reviewer {
  readonly files: TreeFiles;
  readonly flows: readonly Flow<unknown>[];
  private readonly homes: Map<string, ContractHome[]>;
  private readonly consequences = new Map<string, Consequence | undefined>();
  /** Macro texts read through the index, shared by every patch (headers rarely change in a series). */
  private readonly macroTexts = new Map<string, string | undefined>();
  private readonly texts = new Map<string, string | undefined>();
  /** Already-broken contracts reported so far: each is said once per review. */
  private readonly reportedBroken = new Set<string>();

  constructor(readonly opts: ReviewOptions) {
    const given = opts.trees;
    this.files = typeof given[0] === 'string' || given.length === 0 ? new TreeFiles(given as string[], undefined, opts.readBase) : new TreeFiles([], given as TreeInfo[], opts.readBase);
    this.flows = opts.flows ?? allFlows;
    this.homes = contractsBySymbol(this.flows);
  }

  /** A file's current text, read once per review unless a patch changed it. */
  private readCached(abs: string): string | undefined {
    if (this.files.changed().includes(abs)) return this.files.read(abs);
    if (!this.texts.has(abs)) this.texts.set(abs, this.files.read(abs));
    return this.texts.get(abs);
  }

  private consequence(flow: string, step: string, rule: string): Consequence | undefined {
    const k = `${flow}/${step}/${rule}`;
    if (!this.consequences.has(k)) {
      const contract = this.flows.find((f) => f.id === flow)?.steps.find((s) => s.id === step)?.contracts?.find((c) => c.id === rule);
      this.consequences.set(k, contract && simulateConsequence(this.flows, flow, step, contract));
    }
    return this.consequences.get(k);
  }

  /** Steps, contracts and findings of a set of file edits. */
  analyse(edits: FileEdit[], once: boolean): Analysis {
    const out: Analysis = { functions: [], steps: [], contracts: [], findings: [] };
    for (const edit of edits) {
      const tree = this.files.trees.find((t) => t.codebase === edit.codebase);
      const read = (abs: string) => this.readCached(abs);
      const expandBefore = macroExpander(edit.pre, edit.preLines, tree, this.opts.index, read, this.macroTexts);
      const expandAfter = macroExpander(edit.post, edit.postLines, tree, this.opts.index, read, this.macroTexts);
      out.functions.push(...edit.functions.map((f) => f.touched));
      out.steps.push(...touchedSteps(this.flows, edit, this.opts.index));
      for (const side of edit.functions) {
        // Layout, comments and local names cannot move a contract: nothing to check.
        if (side.touched.cosmetic) continue;
        const homes = this.homes.get(`${edit.codebase}:${side.touched.name}`) ?? [];
        const r = contractOutcome(homes, edit, side, expandBefore, expandAfter);
        out.contracts.push(...r.verdicts);
        for (const f of r.findings) {
          if (f.baseline === 'unchanged' && once) {
            const k = `${f.rule}|${f.file}|${f.function}`;
            if (this.reportedBroken.has(k)) continue;
            this.reportedBroken.add(k);
          }
          if (f.baseline === 'new' && !f.suppressed && this.opts.consequences !== false) {
            const c = this.consequence(f.flow, f.step, f.rule);
            if (c) f.consequence = c;
          }
          out.findings.push(f);
        }
      }
    }
    return out;
  }

  /** Applies one mail's diff to the in-memory trees and reviews it. */
  patch(mail: PatchMail): PatchReview | undefined {
    const { files, problems } = parseMailDiff(mail.text);
    if (files.length === 0) return undefined;
    const edits: FileEdit[] = [];
    for (const { change, patch } of files) {
      const src = change.oldPath ?? change.path;
      const adding = change.kind === 'added';
      const where = adding ? this.files.locate(change.path, false) : this.files.locate(src, true);
      change.codebase = where?.tree.codebase ?? codebaseOfPath(change.path);
      if (!where) {
        change.note = [change.note, `no given tree holds ${src}${change.codebase ? ` (a ${change.codebase} path)` : ''}: not reviewed`].filter(Boolean).join('; ');
        continue;
      }
      change.tree = where.tree.root;
      if (!patch) continue;
      const target = change.oldPath ? this.files.locate(change.path, false) ?? where : where;
      const pre = adding ? '' : (this.files.read(where.abs) ?? '');
      if (adding && this.files.exists(where.abs)) problems.push(`${change.path}: the patch creates it but the tree already has it`);
      const applied = applyHunks(pre, patch);
      if (applied.rejected.length) {
        change.rejected = applied.rejected;
        for (const r of applied.rejected) problems.push(`${change.path}: hunk ${r.hunk} ${r.header} does not apply: ${r.reason}`);
        if (applied.applied.length) problems.push(`${change.path}: hunks ${applied.applied.join(', ')} applied and are reviewed`);
      }
      const post = change.kind === 'deleted' ? '' : applied.text;
      if (change.kind === 'renamed') this.files.write(where.abs, null);
      this.files.write(target.abs, change.kind === 'deleted' ? null : post);
      if (!isCFile(target.rel) && !isCFile(where.rel)) {
        change.note = [change.note, 'not a C file: applied, not parsed'].filter(Boolean).join('; ');
        continue;
      }
      if (pre !== post && where.tree.codebase !== 'unknown') edits.push(fileEdit(target.rel, where.tree.codebase, pre, post));
    }
    const a = this.analyse(edits, true);
    for (const f of a.findings) {
      const d = files.find((x) => x.patch && (x.change.path === f.file || x.change.path.endsWith(`/${f.file}`) || f.file.endsWith(`/${x.change.path}`)));
      if (d?.patch) f.quote = quoteHunk(d.patch.hunks, f.line);
    }
    const review: PatchReview = {
      index: mail.index,
      subject: mail.subject,
      ...(subjectNumber(mail.subject) ? { number: subjectNumber(mail.subject) } : {}),
      ...(mail.author ? { author: mail.author } : {}),
      files: files.map((f) => f.change),
      functions: a.functions,
      steps: a.steps,
      contracts: a.contracts,
      findings: a.findings,
      problems,
      verdict: '',
    };
    review.verdict = patchVerdict(review);
    return review;
  }

  /** The whole series: the trees before the first patch against the state after the last. */
  series(patches: PatchReview[]): SeriesReview {
    const edits: FileEdit[] = [];
    for (const abs of this.files.changed()) {
      const tree = this.files.trees.find((t) => abs.startsWith(path.resolve(t.root) + path.sep));
      if (!tree || tree.codebase === 'unknown') continue;
      const rel = path.relative(tree.root, abs).split(path.sep).join('/');
      if (!isCFile(rel)) continue;
      const pre = this.files.original(abs) ?? '';
      const post = this.files.read(abs) ?? '';
      if (pre !== post) edits.push(fileEdit(rel, tree.codebase, pre, post));
    }
    const a = this.analyse(edits, false);
    const findings = a.findings.filter((f) => f.baseline !== 'unchanged');
    const restored: SeriesReview['restored'] = [];
    patches.forEach((p) => {
      for (const f of p.findings.filter((x) => x.baseline === 'new')) {
        const later = patches.find((q) => q.index > p.index && q.contracts.some((c) => c.contract === f.rule && c.function === f.function && c.delta === 'fixed'));
        if (later && !findings.some((s) => s.rule === f.rule && s.function === f.function)) restored.push({ rule: f.rule, function: f.function, brokenIn: p.number?.n ?? p.index, restoredIn: later.number?.n ?? later.index });
      }
    });
    const s: SeriesReview = { findings, steps: a.steps, restored, verdict: '' };
    s.verdict = seriesVerdict(s, patches.length);
    return s;
  }
}

/** The diff lines of the hunk holding post-image `line`, from up to six lines before it to the line itself. */
function quoteHunk(hunks: { newStart: number; newLines: number; lines: string[] }[], line: number): string[] | undefined {
  const h = hunks.find((x) => line >= x.newStart && line < x.newStart + Math.max(1, x.newLines)) ?? hunks.find((x) => Math.abs(x.newStart - line) < 10);
  if (!h) return undefined;
  let n = h.newStart;
  let end = h.lines.length;
  for (let i = 0; i < h.lines.length; i++) {
    const c = h.lines[i][0];
    if (c === '-') {
      if (n === line && i + 1 < h.lines.length && h.lines[i + 1][0] !== '+') end = i + 1;
      continue;
    }
    if (c === '\\') continue;
    if (n === line) {
      end = i + 1;
      break;
    }
    n++;
  }
  return h.lines.slice(Math.max(0, end - 7), end);
}

function counted(findings: Finding[]): { errors: number; warnings: number; suppressed: number } {
  const live = findings.filter((f) => f.baseline !== 'unchanged');
  return {
    errors: live.filter((f) => f.severity === 'error' && !f.suppressed).length,
    warnings: live.filter((f) => f.severity === 'warning' && !f.suppressed).length,
    suppressed: live.filter((f) => f.suppressed).length,
  };
}

function stepsText(steps: StepTouch[]): string {
  const ids = [...new Set(steps.map((s) => `${s.flow}:${s.step}`))];
  return ids.length ? `${ids.length} step${ids.length > 1 ? 's' : ''} (${ids.slice(0, 6).join(', ')}${ids.length > 6 ? ', …' : ''})` : 'no interrupt-path step';
}

export function patchVerdict(p: PatchReview): string {
  const c = counted(p.findings);
  const tag = p.number ? `${p.number.n}/${p.number.of}` : `#${p.index}`;
  const broken = p.findings.filter((f) => f.baseline !== 'unchanged' && !f.suppressed && f.severity !== 'info').map((f) => f.rule);
  const parts = [`${tag}: touches ${stepsText(p.steps)}`];
  if (broken.length) parts.push(`breaks ${[...new Set(broken)].join(', ')} (${c.errors} error${c.errors === 1 ? '' : 's'}, ${c.warnings} warning${c.warnings === 1 ? '' : 's'})`);
  else if (p.steps.length) parts.push('keeps every contract it reaches');
  if (c.suppressed) parts.push(`${c.suppressed} suppressed`);
  const rejected = p.files.reduce((n, f) => n + (f.rejected?.length ?? 0), 0);
  if (rejected) parts.push(`${rejected} hunk${rejected > 1 ? 's' : ''} did not apply`);
  if (p.problems.some((x) => x.includes('malformed'))) parts.push('part of the diff is malformed');
  return parts.join('; ');
}

export function seriesVerdict(s: SeriesReview, n: number): string {
  const c = counted(s.findings);
  const head = `series of ${n} patch${n === 1 ? '' : 'es'}: touches ${stepsText(s.steps)}`;
  const broken = [...new Set(s.findings.filter((f) => !f.suppressed && f.severity !== 'info').map((f) => f.rule))];
  const tail = s.restored.length ? `; ${s.restored.map((r) => `${r.rule} broken in ${r.brokenIn} and restored in ${r.restoredIn}`).join(', ')}` : '';
  if (broken.length) return `${head}; breaks ${broken.join(', ')} (${c.errors} error${c.errors === 1 ? '' : 's'}, ${c.warnings} warning${c.warnings === 1 ? '' : 's'})${tail}`;
  return `${head}; keeps every contract${c.suppressed ? ` (${c.suppressed} suppressed)` : ''}${tail}`;
}

/** Reviews mails already split (the server's request, the git range). */
export function reviewMails(mails: PatchMail[], opts: ReviewOptions, inputProblems: string[] = []): ReviewResult {
  const r = new Reviewer(opts);
  const patches: PatchReview[] = [];
  const skipped: ReviewResult['skipped'] = inputProblems.map((p) => ({ subject: '(input)', reason: p }));
  for (const mail of mails) {
    const p = r.patch(mail);
    if (p) patches.push(p);
    else skipped.push({ subject: mail.subject, reason: subjectNumber(mail.subject)?.n === 0 ? 'cover letter' : 'no diff in this mail' });
  }
  if (patches.length === 0) throw new BadInputError(`no diff to review: ${mails.length} mail${mails.length === 1 ? '' : 's'} and none holds a diff`);
  return {
    trees: r.files.trees.map((t) => ({ root: t.root, codebase: t.codebase, ...(t.version ? { version: t.version } : {}) })),
    patches,
    series: r.series(patches),
    skipped,
  };
}

/** Reviews a patch file, an mbox (mboxrd, gzip) or a bare diff given as bytes. Throws BadInputError on bad input. */
export async function reviewInput(buf: Buffer, name: string, opts: ReviewOptions): Promise<ReviewResult> {
  const { mails, problems } = await splitInput(buf, name);
  return reviewMails(mails, opts, problems);
}

/** True when the review holds an error-level finding the patch (series) is to blame for and nothing suppresses. */
export function hasNewErrors(r: ReviewResult): boolean {
  return r.series.findings.some((f) => f.baseline === 'new' && f.severity === 'error' && !f.suppressed);
}
