// The "Interrupt flows" view: flows → steps → the functions that implement each step, resolved against the open trees
// (FlowsRequest). A function opens on click; an unresolved one says why; a step's context menu simulates from it.
import * as vscode from 'vscode';
import { ClientCommands, type FlowView, type GoToStepArgs, type LinkView, type StepView } from '../../../server/src/protocol/flowMessages';

export interface FlowNode {
  kind: 'flow';
  flow: FlowView;
  steps: StepNode[];
}
/** Shaped like SimulateFromHereArgs (flow, step) so the step's context menu can pass it straight to the command. */
export interface StepNode {
  kind: 'step';
  flow: string;
  step: string;
  view: StepView;
  parent: FlowNode;
  links: LinkNode[];
}
export interface LinkNode {
  kind: 'link';
  link: LinkView;
  parent: StepNode;
}
export type FlowTreeNode = FlowNode | StepNode | LinkNode;

export class FlowsTree implements vscode.TreeDataProvider<FlowTreeNode> {
  private flows: FlowNode[] = [];
  private message: string | undefined = 'Waiting for the IRQ Lens server…';
  private readonly changed = new vscode.EventEmitter<FlowTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  /** Replaces the flows (from FlowsRequest), or shows why there are none. */
  set(flows: FlowView[] | undefined, why?: string): void {
    // Nodes are built once per answer: reveal() and getParent() need the same objects each time.
    this.flows = (flows ?? []).map((flow) => {
      const node: FlowNode = { kind: 'flow', flow, steps: [] };
      node.steps = flow.steps.map((view) => {
        const step: StepNode = { kind: 'step', flow: flow.id, step: view.id, view, parent: node, links: [] };
        step.links = view.links.map((link) => ({ kind: 'link', link, parent: step }));
        return step;
      });
      return node;
    });
    this.message = flows ? undefined : why;
    this.changed.fire(undefined);
  }

  get placeholder(): string | undefined {
    return this.message;
  }

  flowNode(flowId: string): FlowNode | undefined {
    return this.flows.find((f) => f.flow.id === flowId);
  }

  stepNode(flowId: string, stepId: string): StepNode | undefined {
    const f = this.flowNode(flowId);
    return f?.steps.find((s) => s.step === stepId);
  }

  getChildren(node?: FlowTreeNode): FlowTreeNode[] {
    if (!node) return this.flows;
    if (node.kind === 'flow') return node.steps;
    if (node.kind === 'step') return node.links;
    return [];
  }

  getParent(node: FlowTreeNode): FlowTreeNode | undefined {
    return node.kind === 'flow' ? undefined : node.parent;
  }

  getTreeItem(node: FlowTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'flow': {
        const item = new vscode.TreeItem(`${node.flow.id} ${node.flow.name}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `flow:${node.flow.id}`;
        item.description = node.flow.codebases.join(', ');
        item.tooltip = node.flow.description;
        item.iconPath = new vscode.ThemeIcon('type-hierarchy-sub');
        item.contextValue = 'flow';
        return item;
      }
      case 'step': {
        const s = node.view;
        const item = new vscode.TreeItem(`${s.id} ${s.title}`, s.links.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `step:${node.flow}:${s.id}`;
        item.description = [s.sharedFrom && `shared from ${s.sharedFrom}`, s.component, s.operation].filter(Boolean).join(' · ');
        item.tooltip = `${s.role}: ${s.place} in ${node.flow}`;
        const unresolved = s.links.filter((l) => !l.location).length;
        item.iconPath = new vscode.ThemeIcon(unresolved === s.links.length && s.links.length > 0 ? 'circle-outline' : 'circle-filled');
        item.contextValue = 'step';
        return item;
      }
      case 'link': {
        const { link, parent } = node;
        const item = new vscode.TreeItem(link.symbol, vscode.TreeItemCollapsibleState.None);
        item.id = `link:${parent.flow}:${parent.step}:${link.codebase}:${link.symbol}`;
        if (link.location) {
          const uri = vscode.Uri.parse(link.location.uri);
          item.description = `${link.codebase} · ${vscode.workspace.asRelativePath(uri)}:${link.location.line + 1}`;
          item.tooltip = `${link.symbol} (${link.codebase}) at ${uri.fsPath}:${link.location.line + 1}`;
          item.iconPath = new vscode.ThemeIcon('symbol-function');
          item.contextValue = 'link';
        } else {
          item.description = `${link.codebase} · not resolved`;
          item.tooltip = `Not resolved: ${link.unresolved ?? 'no location'}${link.file ? ` (expected in ${link.file})` : ''}`;
          item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
          item.contextValue = 'unresolvedLink';
        }
        const args: GoToStepArgs = { flow: parent.flow, step: parent.step, title: parent.view.title, link };
        item.command = { command: ClientCommands.goToStep, title: 'Go to Function', arguments: [args] };
        return item;
      }
    }
  }
}
