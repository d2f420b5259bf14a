// The patch-review message between the client and the server: `irqlens/review` takes a patch text (a diff, one mail or
// an mbox), a git range or the working tree / index, and returns the review as JSON (the CLI's `--format json`) with
// its Markdown. Plain data only: this module imports nothing from the engine or models.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per message (method, types), as in flowMessages */
import { RequestType } from 'vscode-languageserver-protocol';

export type ReviewCodebase = 'xen' | 'qemu' | 'linux' | 'unknown';

export interface ReviewFindingView {
  severity: 'error' | 'warning' | 'info';
  function: string;
  /** Path relative to the tree root. */
  file: string;
  /** 1-based line in the post-image. */
  line: number;
  rule: string;
  message: string;
  baseline: 'new' | 'unchanged' | 'absent';
  codebase: ReviewCodebase;
  flow: string;
  step: string;
  ruleText: string;
  site?: { file: string; line: number };
  consequence?: { scenario: string; flow: string; sentence: string };
  suppressed?: { file: string; line: number };
}

export interface ReviewStepView {
  flow: string;
  step: string;
  position: number;
  steps: number;
  title: string;
  function: string;
  codebase: ReviewCodebase;
  how: 'body' | 'callee' | 'ops-table-join' | 'ops-table-leave';
  via?: string;
  equivalents: { codebase: ReviewCodebase; symbol: string }[];
}

export interface ReviewFileView {
  path: string;
  oldPath?: string;
  kind: string;
  tree?: string;
  note?: string;
  rejected?: { hunk: number; header: string; reason: string }[];
}

export interface ReviewPatchView {
  index: number;
  subject: string;
  files: ReviewFileView[];
  functions: { name: string; file: string; lines: number[]; cosmetic: boolean }[];
  steps: ReviewStepView[];
  findings: ReviewFindingView[];
  problems: string[];
  verdict: string;
}

export interface ReviewResultView {
  trees: { root: string; codebase: ReviewCodebase; version?: string }[];
  patches: ReviewPatchView[];
  series: { verdict: string; findings: ReviewFindingView[]; steps: ReviewStepView[] };
  skipped: { subject: string; reason: string }[];
}

/** client → server: review a patch, a series, a git range or the working tree of the first workspace tree. */
export namespace ReviewRequest {
  export const method = 'irqlens/review';
  export interface Params {
    /** The patch, mail or mbox text. */
    text?: string;
    /** Shown as the subject of a bare diff. */
    name?: string;
    /** A commit range (`git format-patch` in the first tree holding a git checkout). */
    gitRange?: string;
    /** The working tree's changes (`index: true` for the staged ones). */
    workingTree?: { index: boolean };
  }
  export interface Result {
    review?: ReviewResultView;
    markdown?: string;
    /** One line saying why there is no review (bad input, no tree yet). */
    error?: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}
