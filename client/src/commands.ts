// Every IRQ Lens command in one table, registered at activation; commands that need the server say so when it is not
// running. Titles live in package.json `contributes.commands`; `palette: false` ones are hidden from the command
// palette there (`menus.commandPalette`) because they need an argument a lens, hover or view passes.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReindexRequest } from '../../server/src/protocol/customMessages';
import { reviewCommitRange, reviewPatchFile, reviewWorkingTree } from './review/reviewCommands';
import {
  ClientCommands,
  FlowsRequest,
  ScenariosRequest,
  type FlowView,
  type GoToStepArgs,
  type PickFlowStepArgs,
  type ShowCallHierarchyArgs,
  type SimulateFromHereArgs,
} from '../../server/src/protocol/flowMessages';
import type { FlowsTree } from './flows/flowsTree';
import { goToLink } from './links';
import { openLocation } from './locations';
import type { SimulationPanels } from './simulation/simulationPanel';

export interface CommandContext {
  /** The running client, or undefined when the server is stopped or failed to start. */
  client(): LanguageClient | undefined;
  log: vscode.LogOutputChannel;
  restart(): Promise<void>;
  panels: SimulationPanels;
  flows: FlowsTree;
  flowsView: vscode.TreeView<unknown>;
  refreshFlows(): Promise<void>;
}

export interface CommandSpec {
  /** Also declared, with its title, in package.json `contributes.commands`. */
  id: string;
  needsServer: boolean;
  /** Shown in the command palette (false: only from lenses, hovers, views and menus). */
  palette: boolean;
  run(ctx: CommandContext, client: LanguageClient | undefined, ...args: unknown[]): unknown;
}

export const flowsViewId = 'irqlens.flows';

export const commandTable: CommandSpec[] = [
  { id: 'irqlens.restartServer', needsServer: false, palette: true, run: (ctx) => ctx.restart() },
  { id: 'irqlens.showOutput', needsServer: false, palette: true, run: (ctx) => ctx.log.show(true) },
  {
    id: 'irqlens.reindex',
    needsServer: true,
    palette: true,
    run: async (_ctx, client) => {
      await client?.sendRequest(ReindexRequest.type);
    },
  },
  {
    id: ClientCommands.simulateFromHere,
    needsServer: true,
    palette: true,
    run: (ctx, client, arg) => simulateFromHere(ctx, client!, arg),
  },
  // The flows view's step menu: the step node carries `flow` and `step`, as SimulateFromHereArgs.
  { id: 'irqlens.simulateStep', needsServer: true, palette: false, run: (ctx, client, arg) => simulateFromHere(ctx, client!, arg) },
  {
    id: ClientCommands.goToStep,
    needsServer: false,
    palette: false,
    run: (_ctx, _client, arg) => {
      const a = arg as GoToStepArgs | undefined;
      if (!a?.link) throw new Error('irqlens.goToStep needs a step link (from a lens, hover or the flows view)');
      return goToLink(a.link, `step ${a.step} of ${a.flow}: ${a.title}`);
    },
  },
  { id: ClientCommands.pickFlowStep, needsServer: true, palette: false, run: (ctx, _client, arg) => pickFlowStep(ctx, arg as PickFlowStepArgs) },
  {
    id: ClientCommands.showCallHierarchy,
    needsServer: true,
    palette: false,
    run: async (_ctx, _client, arg) => {
      const a = arg as ShowCallHierarchyArgs | undefined;
      if (!a?.location) throw new Error('irqlens.showCallHierarchy needs a location');
      await openLocation(a.location);
      await vscode.commands.executeCommand('editor.showCallHierarchy');
    },
  },
  { id: ClientCommands.showFlow, needsServer: false, palette: true, run: (ctx, _client, arg) => showFlow(ctx, arg) },
  { id: 'irqlens.refreshFlows', needsServer: true, palette: false, run: (ctx) => ctx.refreshFlows() },
  { id: 'irqlens.pickScenario', needsServer: true, palette: true, run: (ctx, client, arg) => pickScenario(ctx, client!, arg) },
  { id: 'irqlens.runScenarioFile', needsServer: true, palette: true, run: (ctx, _client, arg) => runScenarioFile(ctx, arg) },
  { id: 'irqlens.reviewPatchFile', needsServer: true, palette: true, run: (_ctx, client) => reviewPatchFile(client) },
  { id: 'irqlens.reviewWorkingTree', needsServer: true, palette: true, run: (_ctx, client) => reviewWorkingTree(client) },
  { id: 'irqlens.reviewCommitRange', needsServer: true, palette: true, run: (_ctx, client) => reviewCommitRange(client) },
];

export function registerCommands(ctx: CommandContext, table: CommandSpec[] = commandTable): vscode.Disposable[] {
  return table.map((spec) =>
    vscode.commands.registerCommand(spec.id, async (...args: unknown[]) => {
      const client = ctx.client();
      if (spec.needsServer && !client?.isRunning()) {
        const pick = await vscode.window.showWarningMessage('The IRQ Lens server is not running.', 'Restart Server', 'Show Output');
        if (pick === 'Restart Server') await ctx.restart();
        if (pick === 'Show Output') ctx.log.show(true);
        return;
      }
      try {
        return await spec.run(ctx, client, ...args);
      } catch (err) {
        ctx.log.error(`${spec.id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        void vscode.window.showErrorMessage(`IRQ Lens: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
}

function isSimulateArgs(a: unknown): a is SimulateFromHereArgs {
  return typeof a === 'object' && a !== null && typeof (a as SimulateFromHereArgs).flow === 'string' && typeof (a as SimulateFromHereArgs).step === 'string';
}

/** From a lens, hover or the flows view (flow and step given), or from the palette: a quick pick of every flow step, the
 * steps of the function under the cursor first. */
async function simulateFromHere(ctx: CommandContext, client: LanguageClient, arg: unknown): Promise<void> {
  if (isSimulateArgs(arg)) {
    await ctx.panels.show({ flow: arg.flow, from: arg.step }, `${arg.flow} from ${arg.symbol ?? arg.step}`);
    return;
  }
  const flows = await client.sendRequest(FlowsRequest.type);
  const editor = vscode.window.activeTextEditor;
  const wordRange = editor?.document.getWordRangeAtPosition(editor.selection.active, /[A-Za-z_]\w*/);
  const word = wordRange ? editor!.document.getText(wordRange) : undefined;
  type Item = vscode.QuickPickItem & { flow?: string; step?: string };
  const here: Item[] = [];
  const rest: Item[] = [];
  for (const f of flows) {
    for (const s of f.steps) {
      const item: Item = {
        label: `${s.id} ${s.title}`,
        description: f.name,
        detail: s.links.map((l) => `${l.codebase}: ${l.symbol}`).join(', ') || undefined,
        flow: f.id,
        step: s.id,
      };
      (word && s.links.some((l) => l.symbol === word) ? here : rest).push(item);
    }
  }
  const items: Item[] = here.length
    ? [{ label: `${word}`, kind: vscode.QuickPickItemKind.Separator }, ...here, { label: 'all flows', kind: vscode.QuickPickItemKind.Separator }, ...rest]
    : rest;
  const pick = await vscode.window.showQuickPick(items, { title: 'Simulate from a flow step', placeHolder: 'Flow step', matchOnDescription: true, matchOnDetail: true });
  if (pick?.flow && pick.step) await ctx.panels.show({ flow: pick.flow, from: pick.step }, `${pick.flow} from ${word && here.includes(pick) ? word : pick.step}`);
}

/** A function on several flows: pick the place, then simulate from it or show it in the flows view. */
async function pickFlowStep(ctx: CommandContext, arg: PickFlowStepArgs | undefined): Promise<void> {
  if (!arg?.places?.length) throw new Error('irqlens.pickFlowStep needs the places of a function (from a lens or hover)');
  const place = await vscode.window.showQuickPick(
    arg.places.map((p) => ({ label: `${p.flow} ${p.place}: ${p.title}`, description: p.flowName, detail: p.step, place: p })),
    { title: `${arg.symbol} is on ${arg.places.length} flows`, placeHolder: 'Flow step' },
  );
  if (!place) return;
  const action = await vscode.window.showQuickPick(
    [
      { label: '$(play) Simulate from here', id: 'simulate' },
      { label: '$(list-tree) Show in the Interrupt flows view', id: 'show' },
    ],
    { title: `${arg.symbol}: ${place.label}` },
  );
  if (action?.id === 'simulate') await ctx.panels.show({ flow: place.place.flow, from: place.place.step }, `${place.place.flow} from ${arg.symbol}`);
  if (action?.id === 'show') await showFlow(ctx, { flow: place.place.flow, step: place.place.step });
}

/** Reveals the flows view, and in it a flow (or one of its steps) when given: `"X6"` or `{ flow, step? }`. */
async function showFlow(ctx: CommandContext, arg: unknown): Promise<void> {
  await vscode.commands.executeCommand(`${flowsViewId}.focus`);
  const flow = typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null ? (arg as { flow?: unknown }).flow : undefined;
  const step = typeof arg === 'object' && arg !== null ? (arg as { step?: unknown }).step : undefined;
  if (typeof flow !== 'string') return;
  if (!ctx.flows.flowNode(flow)) await ctx.refreshFlows();
  const node = (typeof step === 'string' ? ctx.flows.stepNode(flow, step) : undefined) ?? ctx.flows.flowNode(flow);
  if (!node) {
    void vscode.window.showWarningMessage(`IRQ Lens: no flow ${flow}${typeof step === 'string' ? ` step ${step}` : ''}.`);
    return;
  }
  await ctx.flowsView.reveal(node, { select: true, focus: true, expand: true });
}

/** A built-in scenario picked from a list, or the one named by `arg` (`{ name }`, the review panel's consequence). */
async function pickScenario(ctx: CommandContext, client: LanguageClient, arg?: unknown): Promise<void> {
  const named = (arg as { name?: unknown } | undefined)?.name;
  if (typeof named === 'string') {
    await ctx.panels.show({ scenario: { name: named } }, `Scenario ${named}`);
    return;
  }
  const scenarios = await client.sendRequest(ScenariosRequest.type);
  const pick = await vscode.window.showQuickPick(
    scenarios.map((s) => ({ label: s.name, description: s.flow, detail: s.title, name: s.name })),
    { title: 'Run a built-in scenario', placeHolder: 'Scenario', matchOnDescription: true, matchOnDetail: true },
  );
  if (pick) await ctx.panels.show({ scenario: { name: pick.name } }, `Scenario ${pick.name}`);
}

/** A scenario file: the one given (explorer menu), the active editor's JSON file, or one picked. */
async function runScenarioFile(ctx: CommandContext, arg: unknown): Promise<void> {
  let uri = arg instanceof vscode.Uri ? arg : undefined;
  const active = vscode.window.activeTextEditor?.document;
  if (!uri && active && (active.languageId === 'json' || active.uri.path.endsWith('.json'))) uri = active.uri;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Scenario files': ['json'] }, title: 'A scenario file to run' });
    uri = picked?.[0];
  }
  if (!uri) return;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  await ctx.panels.show({ scenario: { uri: uri.toString(), text } }, `Scenario ${name}`);
}

/** Flows for the view, or undefined with the reason. */
export async function fetchFlows(client: LanguageClient | undefined): Promise<{ flows?: FlowView[]; why?: string }> {
  if (!client?.isRunning()) return { why: 'The IRQ Lens server is not running.' };
  return { flows: await client.sendRequest(FlowsRequest.type) };
}
