// The result of reviewing a patch or a series against the interrupt-path models: plain data, the JSON the CLI prints
// and the `irqlens/review` request returns. Lines are 1-based; paths are relative to the tree root (forward slashes).

import type { Codebase } from '../index/types';

export type Severity = 'error' | 'warning' | 'info';

/** How one file of a patch changes, as reported (never dropped, whatever the kind). */
export interface FileChange {
  /** Path after the patch (the old path for a deletion). */
  path: string;
  /** Path before the patch, when it differs (rename, copy). */
  oldPath?: string;
  kind: 'modified' | 'added' | 'deleted' | 'renamed' | 'copied' | 'mode-only' | 'binary';
  /** `100644 → 100755` for a mode change. */
  mode?: string;
  /** The patch carried `GIT binary patch` data or `Binary files … differ`: not reviewed, said so. */
  binary?: boolean;
  hunks: number;
  /** Codebase the path belongs to (from the tree it applied to, else from the path's shape). */
  codebase?: Codebase;
  /** The tree root the file was read from. */
  tree?: string;
  /** Hunks that did not apply, with why; the file's other hunks are still reviewed. */
  rejected?: { hunk: number; header: string; reason: string }[];
  /** Why the file was not reviewed (not C, binary, no tree holds it …). */
  note?: string;
}

/** A function whose code the patch changes, as the index's parser sees it before and after. */
export interface TouchedFunction {
  name: string;
  file: string;
  codebase: Codebase;
  /** Definition line before and after (absent when added / removed by the patch). */
  lineBefore?: number;
  lineAfter?: number;
  change: 'modified' | 'added' | 'removed';
  /** Only whitespace, comments or local names changed: no contract can move. */
  cosmetic: boolean;
  /** Changed lines (post-image) inside the function; pre-image lines when it was removed. */
  lines: number[];
}

export interface StepTouch {
  flow: string;
  step: string;
  /** `step k of n`. */
  position: number;
  steps: number;
  title: string;
  function: string;
  codebase: Codebase;
  file: string;
  /** Why the step is touched. */
  how: 'body' | 'callee' | 'ops-table-join' | 'ops-table-leave';
  /** For `callee`: the changed function the step's function calls. For ops tables: `table.field`. */
  via?: string;
  /** The functions of other codebases that perform the same operation. */
  equivalents: { codebase: Codebase; symbol: string }[];
}

export type ContractDelta = 'new' | 'fixed' | 'unchanged' | 'absent';

export interface ContractVerdict {
  contract: string;
  flow: string;
  step: string;
  function: string;
  before: 'kept' | 'broken' | 'absent';
  after: 'kept' | 'broken' | 'absent';
  delta: ContractDelta;
}

export interface Consequence {
  /** Built-in scenario name, or `generated:<flow>/<step>`. */
  scenario: string;
  flow: string;
  /** One sentence. */
  sentence: string;
}

export interface Finding {
  severity: Severity;
  function: string;
  file: string;
  /** Line in the post-image (the added/changed line the finding sits on). */
  line: number;
  /** The contract id the finding comes from. */
  rule: string;
  message: string;
  /** `new` (the patch breaks it), `unchanged` (already broken before: not blamed), `fixed`. */
  baseline: 'new' | 'unchanged' | 'absent';
  codebase: Codebase;
  flow: string;
  step: string;
  /** The contract's text and where the rule comes from. */
  ruleText: string;
  ruleSource: string;
  /** Where the clause was before the patch (the contract's site in the pre-image). */
  site?: { file: string; line: number };
  consequence?: Consequence;
  /** The diff lines of the hunk up to the finding's line, for quoting in a reply. */
  quote?: string[];
  /** Set when a `/* irqlens: allow <rule> *\/` comment in the function suppresses it. */
  suppressed?: { file: string; line: number };
}

export interface PatchReview {
  /** 1-based position in the series. */
  index: number;
  subject: string;
  /** `[PATCH 2/5]` numbering when the subject had one. */
  number?: { n: number; of: number };
  author?: string;
  files: FileChange[];
  functions: TouchedFunction[];
  steps: StepTouch[];
  contracts: ContractVerdict[];
  findings: Finding[];
  /** Problems with this patch's text (malformed hunk …), each naming the bad part. */
  problems: string[];
  verdict: string;
}

export interface SeriesReview {
  /** Findings of the whole series: net effect of every patch on the first tree state. */
  findings: Finding[];
  steps: StepTouch[];
  verdict: string;
  /** Findings broken by one patch and restored by a later one (not findings of the series). */
  restored: { rule: string; function: string; brokenIn: number; restoredIn: number }[];
}

export interface ReviewResult {
  trees: { root: string; codebase: Codebase; version?: string }[];
  patches: PatchReview[];
  series: SeriesReview;
  /** Mails that held no diff (cover letter, replies) and input-level problems. */
  skipped: { subject: string; reason: string }[];
}
