// Implements textDocument/codeLens and codeLens/resolve: lenses above functions linked to interrupt-flow steps (flow and
// position, previous/next step, hand-off, "Simulate from here") and a callers/callees lens on every function. The
// first request returns every lens's range at once (its data says what it is); resolve fills the command, so lenses
// never appear late and make the editor jump.
import type { CodeLens, Connection } from 'vscode-languageserver';
import type { FlowGuide } from '../engine/flowGuide/flowGuide';
import { functionLenses, resolveFunctionLens, type LensData, type LensMode, type LensSettings } from '../engine/flowGuide/functionLenses';
import type { Codebase } from '../../../models/src/index';
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

export class CodeLensFeature {
  constructor(
    private readonly guide: FlowGuide,
    private readonly guard: RequestGuard,
    private readonly settings: () => LensSettings,
  ) {}

  register(connection: Connection): void {
    connection.onCodeLens((params, token) =>
      this.guard.run('textDocument/codeLens', token, [] as CodeLens[], (idx) => {
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
      }),
    );
    connection.onCodeLensResolve((lens, token) =>
      this.guard.run('codeLens/resolve', token, { ...lens, command: { title: '', command: '' } }, (idx) => resolveCodeLens(this.guide, idx, lens)),
    );
  }
}
