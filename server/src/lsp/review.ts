// Patch review in the editor: the `irqlens/review` request (a patch text, a git range or the working tree, reviewed
// against the indexed trees), and on open .patch/.diff/.mbox documents the findings as diagnostics on their `+` lines
// (related information at the contract's site in the tree) and a lens on each file and hunk header listing the
// interrupt-path steps it touches.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeLens, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, type CodeLensParams, type Connection } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { toMarkdown } from '../engine/review/format/markdown';
import { gitRange, gitWorkingChanges } from '../engine/review/gitSource';
import { BadInputError } from '../engine/review/mailSplit';
import { reviewInput } from '../engine/review/reviewSeries';
import type { ReviewResult, StepTouch } from '../engine/review/types';
import { ReviewRequest, ReviewResultView } from '../protocol/reviewMessages';
import type { Documents } from './documents';
import type { IndexService } from './indexService';
import type { Logger } from './logger';
import { pathToUri, uriToPath } from './positions';
import { findingLine, mapPatchDocument } from './patchDocument';

/** The documents review reads: patches, diffs and mailboxes (the client syncs these with the C files). */
export const PATCH_DOCUMENT = /\.(patch|diff|mbox|eml)$/i;
/** Wait this long after the last keystroke before re-reviewing an open patch. */
const DEBOUNCE_MS = 400;

const SEVERITY: Record<string, DiagnosticSeverity> = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information };

function stepLabel(s: StepTouch): string {
  const how = s.how === 'body' ? '' : s.how === 'callee' ? ` via ${s.via}` : ` ${s.how === 'ops-table-join' ? 'joins' : 'leaves'} ${s.via}`;
  return `${s.flow} ${s.step} ${s.function}${how}`;
}

export class ReviewFeature {
  private readonly reviews = new Map<string, { version: number; result: ReviewResult }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly service: IndexService,
    private readonly documents: Documents,
    private readonly logger: Logger,
  ) {}

  register(connection: Connection): void {
    connection.onRequest(ReviewRequest.type, (params) => this.request(params));
    this.documents.onDidChangeContent((doc) => this.schedule(connection, doc));
    this.documents.onDidClose((doc) => {
      clearTimeout(this.timers.get(doc.uri));
      this.reviews.delete(doc.uri);
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
    });
  }

  private async review(input: Buffer, name: string, readBase?: (abs: string) => string | undefined): Promise<ReviewResult> {
    const index = await this.service.ready();
    const trees = index?.trees() ?? [];
    if (trees.length === 0) throw new BadInputError('no Xen, QEMU or Linux tree is indexed in this workspace');
    return reviewInput(input, name, { trees, index, readBase });
  }

  private async request(params: ReviewRequest.Params): Promise<ReviewRequest.Result> {
    try {
      const index = await this.service.ready();
      const root = index?.trees().find((t) => fs.existsSync(path.join(t.root, '.git')))?.root ?? index?.trees()[0]?.root;
      let input: Buffer;
      let readBase: ((abs: string) => string | undefined) | undefined;
      let name = params.name ?? 'patch';
      if (params.text !== undefined) input = Buffer.from(params.text);
      else if (!root) return { error: 'no tree is indexed in this workspace' };
      else if (params.gitRange) {
        ({ input, readBase } = gitRange(root, params.gitRange));
        name = params.gitRange;
      } else if (params.workingTree) {
        ({ input, readBase } = gitWorkingChanges(root, params.workingTree.index));
        name = params.workingTree.index ? 'staged changes' : 'working-tree changes';
      } else return { error: 'nothing to review: give a patch text, a git range or the working tree' };
      const result = await this.review(input, name, readBase);
      const view: ReviewResultView = result;
      return { review: view, markdown: toMarkdown(result) };
    } catch (e) {
      if (e instanceof BadInputError) return { error: e.message };
      this.logger.error('patch review failed', e);
      return { error: `review failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  private schedule(connection: Connection, doc: TextDocument): void {
    if (!PATCH_DOCUMENT.test(uriToPath(doc.uri) ?? doc.uri)) return;
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(
      doc.uri,
      setTimeout(() => void this.publish(connection, doc), DEBOUNCE_MS),
    );
  }

  private async publish(connection: Connection, doc: TextDocument): Promise<void> {
    const version = doc.version;
    const text = doc.getText();
    let result: ReviewResult;
    try {
      result = await this.review(Buffer.from(text), path.basename(uriToPath(doc.uri) ?? 'patch'));
    } catch (e) {
      // A document that is not (yet) a patch while being typed: no diagnostics, one log line.
      this.logger.info(`review of ${doc.uri}: ${e instanceof Error ? e.message : String(e)}`);
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
      return;
    }
    if (this.documents.get(doc.uri)?.version !== version) return; // a newer edit will publish
    this.reviews.set(doc.uri, { version, result });
    const map = mapPatchDocument(text);
    const diagnostics: Diagnostic[] = [];
    for (const p of result.patches) {
      const trees = new Map(p.files.map((f) => [f.path, f.tree]));
      for (const f of p.findings) {
        const line = findingLine(map, p.index, f.file, f.line);
        if (line === undefined) continue;
        const related: DiagnosticRelatedInformation[] = [];
        const root = trees.get(f.file) ?? [...trees.values()].find(Boolean);
        if (f.site && root) related.push({ location: { uri: pathToUri(path.join(root, f.site.file)), range: { start: { line: f.site.line - 1, character: 0 }, end: { line: f.site.line - 1, character: 0 } } }, message: `${f.rule} held here before the patch` });
        diagnostics.push({
          range: { start: { line, character: 0 }, end: { line, character: doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '').length } },
          severity: f.suppressed ? DiagnosticSeverity.Hint : SEVERITY[f.severity],
          source: 'irqlens',
          code: f.rule,
          message: `${f.function}: ${f.message}${f.consequence ? `\n${f.consequence.sentence}` : ''}${f.suppressed ? '\n(suppressed by an irqlens: allow comment)' : ''}`,
          ...(related.length ? { relatedInformation: related } : {}),
        });
      }
      for (const pr of p.problems) {
        const at = map.find((x) => x.mail === p.index && x.kind === 'file' && pr.startsWith(`${x.file}:`))?.docLine ?? 0;
        diagnostics.push({ range: { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, severity: DiagnosticSeverity.Warning, source: 'irqlens', message: pr });
      }
    }
    void connection.sendDiagnostics({ uri: doc.uri, version, diagnostics });
  }

  /** Lenses on each file and hunk header of an open patch: the steps it touches. */
  /** Lenses on a patch document's file and hunk headers (served through the code lens feature). */
  lenses(params: CodeLensParams): CodeLens[] {
    const doc = this.documents.get(params.textDocument.uri);
    const done = this.reviews.get(params.textDocument.uri);
    if (!doc || !done || !PATCH_DOCUMENT.test(uriToPath(doc.uri) ?? doc.uri)) return [];
    const map = mapPatchDocument(doc.getText());
    const out: CodeLens[] = [];
    for (const p of done.result.patches) {
      for (const h of map.filter((x) => x.mail === p.index && (x.kind === 'file' || x.kind === 'hunk'))) {
        const fns = p.functions.filter((f) => f.file === h.file || h.file.endsWith(`/${f.file}`) || f.file.endsWith(`/${h.file}`)).filter((f) => h.kind === 'file' || f.lines.some((l) => l >= h.newLine && l < (h.newEnd ?? h.newLine + 1)));
        const names = new Set(fns.map((f) => f.name));
        const steps = p.steps.filter((s) => names.has(s.function) || (s.via !== undefined && names.has(s.via)));
        if (steps.length === 0) continue;
        const first = steps[0];
        out.push({
          range: { start: { line: h.docLine, character: 0 }, end: { line: h.docLine, character: 0 } },
          command: { title: `IRQ Lens: ${steps.length} step${steps.length > 1 ? 's' : ''} — ${steps.slice(0, 3).map(stepLabel).join('; ')}${steps.length > 3 ? '; …' : ''}`, command: 'irqlens.simulateFromHere', arguments: [{ flow: first.flow, step: first.step }] },
        });
      }
    }
    return out;
  }
}
