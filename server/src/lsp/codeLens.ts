// Implements textDocument/codeLens and codeLens/resolve: lenses above functions linked to interrupt-flow steps (flow and
// position, previous/next step, hand-off, "Simulate from here") and a callers/callees lens on every function. The
// first request returns every lens's range at once (its data says what it is); resolve fills the command, so lenses
// never appear late and make the editor jump.
import type { CodeLens, CodeLensParams, Connection } from 'vscode-languageserver';
import type { FlowGuide } from '../engine/flowGuide/flowGuide';
import { functionLenses, resolveFunctionLens, type LensData, type LensMode, type LensSettings } from './flowGuide/functionLenses';
import type { Codebase } from '@irqlens/models';
import type { IndexQueries } from '../engine/index/types';
import { uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';

export function computeCodeLenses(guide: FlowGuide, index: IndexQueries, file: string, settings: LensSettings, mode: LensMode = 'complete'): CodeLens[] {
  return functionLenses(guide, index, file, settings, mode).map((l) => ({
    range: { start: { line: l.line, character: l.character }, end: { line: l.line, character: l.endCharacter } },
    data: l.data,
  }));
}

export function resolveCodeLens(guide: FlowGuide, index: IndexQueries, lens: CodeLens): CodeLens {
  const c = resolveFunctionLens(guide, index, lens.data);
  // A lens whose data no longer makes sense still needs a command: an inert title keeps the line steady.
  return { ...lens, command: c ? { title: c.title, command: c.command, arguments: c.arguments } : { title: '', command: '' } };
}

/** Patch and mail documents get the review's lenses (steps a file or hunk touches), not function lenses. */
const patchDocument = /\.(patch|diff|mbox|eml)$/i;

export class CodeLensFeature {
  constructor(
    private readonly guide: FlowGuide,
    private readonly guard: RequestGuard,
    private readonly settings: () => LensSettings,
    /** The review's lenses for patch documents (one LSP handler serves both kinds of document). */
    private readonly patchLenses?: (params: CodeLensParams) => CodeLens[] | Promise<CodeLens[]>,
  ) {}

  register(connection: Connection): void {
    connection.onCodeLens((params, token) => {
      if (patchDocument.test(params.textDocument.uri)) return this.patchLenses?.(params) ?? [];
      // From the early index on a cold start: the open file and the linked files are in it, so flow lenses are right;
      // a callers/callees lens resolves once the full index is there (see below).
      return this.guard.run(
        'textDocument/codeLens',
        token,
        [] as CodeLens[],
        (idx) => {
          const file = uriToPath(params.textDocument.uri);
          const s = this.settings();
          if (!file || !(s.flows || s.calls)) return [];
          const lenses = computeCodeLenses(this.guide, idx, file, s, 'ready');
          // The file is open: its linked functions are the likely next hovers.
          const linked = new Map<string, { symbol: string; codebase: Codebase }>();
          for (const l of lenses) {
            const d = l.data as LensData;
            if (d.kind === 'flow') linked.set(d.symbol, { symbol: d.symbol, codebase: d.codebase });
          }
          void this.guide.prepareHovers([...linked.values()]).catch(() => undefined);
          return lenses;
        },
        { partialOk: () => true },
      );
    });
    connection.onCodeLensResolve((lens, token) =>
      this.guard.run('codeLens/resolve', token, { ...lens, command: { title: '', command: '' } }, (idx) => resolveCodeLens(this.guide, idx, lens), {
        // Caller and callee counts need the whole tree; flow lenses are right from the early index.
        partialOk: () => (lens.data as LensData | undefined)?.kind !== 'calls',
      }),
    );
  }
}
