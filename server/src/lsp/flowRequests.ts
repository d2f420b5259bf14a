// Implements the flow requests of the protocol (server/src/protocol/flowMessages.ts): irqlens/flows (every flow with its
// links resolved against the indexed trees), irqlens/scenarios, irqlens/simulate and irqlens/linkCoverage.
import type { CancellationToken, Connection } from 'vscode-languageserver';
import type { FlowGuide } from '../engine/flowGuide/flowGuide';
import { flowViews } from '../engine/flowGuide/flowViews';
import { linkCoverage } from '../engine/flowGuide/linkCoverage';
import { simulateRequest } from '../engine/flowGuide/simulateRequest';
import {
  FlowsRequest, LinkCoverageRequest, ScenariosRequest, SimulateRequest,
  type FlowView, type LinkCoverage, type ScenarioSummary, type SimulateResult,
} from '../protocol/flowMessages';
import type { RequestGuard } from './requestGuard';

export function computeScenarios(guide: FlowGuide): ScenarioSummary[] {
  return guide.scenarios().map((s) => ({
    name: s.summary.name, title: s.summary.title, flow: s.summary.flow, ...(s.summary.question ? { question: s.summary.question } : {}),
  }));
}

/**
 * The token of a request without parameters. vscode-jsonrpc passes `(token)` when a client sends no params, but
 * `(null, token)` when it sends `params: null` (some clients do): the token is always the last argument.
 */
function tokenOf(args: unknown[]): CancellationToken {
  return args[args.length - 1] as CancellationToken;
}

export class FlowRequestsFeature {
  constructor(
    private readonly guide: FlowGuide,
    private readonly guard: RequestGuard,
  ) {}

  register(connection: Connection): void {
    connection.onRequest(FlowsRequest.method, (...args: unknown[]) =>
      this.guard.run(FlowsRequest.method, tokenOf(args), [] as FlowView[], (idx) => flowViews(idx, this.guide.flows)),
    );
    // The scenario list is the models' own: it does not wait for the index.
    connection.onRequest(ScenariosRequest.method, () => computeScenarios(this.guide));
    connection.onRequest(SimulateRequest.type, (params, token) =>
      this.guard.run(SimulateRequest.method, token, { ok: false, error: 'the simulation failed; see the IRQ Lens log' } as SimulateResult, (idx) =>
        simulateRequest(idx, this.guide.flows, this.guide.scenarios(), params),
      ),
    );
    connection.onRequest(LinkCoverageRequest.method, (...args: unknown[]) =>
      this.guard.run(LinkCoverageRequest.method, tokenOf(args), [] as LinkCoverage[], (idx) => linkCoverage(idx, this.guide.flows)),
    );
  }
}
