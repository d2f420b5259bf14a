// The commands lenses, hovers and views run, called as they call them.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FlowNode, StepNode } from '../../../client/src/flows/flowsTree';
import { indexReady, positionOf, sampleFile, until } from './helpers';

export function commandsSuite(): void {
  describe('commands', () => {
    it('irqlens.goToStep opens a resolved link at its definition', async () => {
      const a = await indexReady();
      const flows = await until('flows', () => a.flows.getChildren().length > 0 && (a.flows.getChildren() as FlowNode[]));
      const step = flows.flatMap((f) => f.steps).find((s) => s.view.links.some((l) => l.symbol === 'xen_evtchn_do_upcall' && l.location));
      assert.ok(step, 'a step links xen_evtchn_do_upcall, resolved in the sample Linux tree');
      const link = step.view.links.find((l) => l.symbol === 'xen_evtchn_do_upcall')!;
      await vscode.commands.executeCommand('irqlens.goToStep', { flow: step.flow, step: step.step, title: step.view.title, link });
      const editor = await until('the editor on events_base.c', () => {
        const e = vscode.window.activeTextEditor;
        return e?.document.uri.path.endsWith('drivers/xen/events/events_base.c') && e;
      });
      assert.equal(editor.selection.active.line, link.location!.line);
      assert.match(editor.document.lineAt(editor.selection.active.line).text, /xen_evtchn_do_upcall/);
    });

    it('irqlens.showCallHierarchy puts the cursor on the function and opens the call hierarchy', async () => {
      await indexReady();
      const uri = sampleFile('linux', 'drivers/xen/events/events_base.c');
      const doc = await vscode.workspace.openTextDocument(uri);
      const at = positionOf(doc, 'int xen_evtchn_do_upcall(').translate(0, 4);
      await vscode.commands.executeCommand('irqlens.showCallHierarchy', { location: { uri: uri.toString(), line: at.line, character: at.character } });
      const e = vscode.window.activeTextEditor!;
      assert.equal(e.document.uri.toString(), uri.toString());
      assert.deepEqual([e.selection.active.line, e.selection.active.character], [at.line, at.character]);
      // The same place answers a call hierarchy (what the view shows).
      const items = await vscode.commands.executeCommand<vscode.CallHierarchyItem[]>('vscode.prepareCallHierarchy', uri, at);
      assert.equal(items[0]?.name, 'xen_evtchn_do_upcall');
    });

    it('irqlens.showFlow reveals a flow step in the Interrupt flows view', async () => {
      const a = await indexReady();
      await vscode.commands.executeCommand('irqlens.showFlow', { flow: 'X1', step: 'X1.6' });
      const node = a.flows.stepNode('X1', 'X1.6') as StepNode;
      assert.ok(node, 'X1.6 exists in the view');
      assert.equal(a.flows.getParent(node), a.flows.flowNode('X1'));
    });

    it('irqlens.runScenarioFile with a bad field: the error names it in the panel and the Problems panel', async () => {
      const a = await indexReady();
      // A built-in scenario with one parameter misspelt.
      const ext = vscode.extensions.getExtension('irqlens.irqlens')!;
      const good = vscode.Uri.joinPath(ext.extensionUri, 'models/scenarios/xen-2l-scan-fairness-cursor.json');
      const scenario = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(good))) as Record<string, unknown>;
      scenario.params = { ...(scenario.params as object), no_such_param: 1 };
      const uri = sampleFile('xen', '../bad-scenario.json');
      const text = JSON.stringify(scenario, null, 2) + '\n';
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      const exchanged = new Promise<string>((resolve) => {
        const sub = a.panels.onDidExchange((e) => {
          if (e.direction === 'toView' && (e.kind === 'error' || e.kind === 'trace')) {
            sub.dispose();
            resolve(e.kind);
          }
        });
      });
      await vscode.commands.executeCommand('irqlens.runScenarioFile', uri);
      assert.equal(await exchanged, 'error');
      const diags = await until('a diagnostic on the scenario file', () => {
        const d = vscode.languages.getDiagnostics(uri);
        return d.length > 0 && d;
      });
      assert.match(diags[0].message, /no_such_param/);
      assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
      // On the line of the field the server names (the diagnostic's code): `params` or `params.no_such_param`.
      const field = String(typeof diags[0].code === 'object' ? diags[0].code.value : diags[0].code);
      const key = field.split('.').at(-1)!;
      const line = text.split('\n').findIndex((l) => l.includes(`"${key}"`));
      assert.ok(/params/.test(field), `the field named is ${field}`);
      assert.equal(diags[0].range.start.line, line, `diagnostic on line ${diags[0].range.start.line}, the field ${field} is on ${line}`);
      assert.match(a.panels.current.state?.title ?? '', /bad-scenario\.json/);
    });
  });
}
