// The simulation panel's message handling: a simulate command fills it; messages from the view are checked (unknown
// kinds ignored), step selection, re-runs with other parameters, links and the text view do what they say.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { IrqLensApi } from '../../../client/src/extension';
import { indexReady, until } from './helpers';

function nextExchange(a: IrqLensApi, kind: string): Promise<{ kind: string; detail?: string }> {
  return new Promise((resolve) => {
    const sub = a.panels.onDidExchange((e) => {
      if (e.direction === 'toView' && e.kind === kind) {
        sub.dispose();
        resolve(e);
      }
    });
  });
}

export function panelSuite(): void {
  describe('simulation panel', () => {
    it('irqlens.simulateFromHere opens the panel on a trace through xen_evtchn_do_upcall', async () => {
      const a = await indexReady();
      const shown = nextExchange(a, 'trace');
      await vscode.commands.executeCommand('irqlens.simulateFromHere', { flow: 'X6', step: 'X6.4', symbol: 'hvm_assert_evtchn_irq' });
      await shown;
      const trace = a.panels.current.trace!;
      assert.equal(trace.flow, 'X6');
      assert.ok(trace.steps.some((s) => s.functions.some((f) => f.symbol === 'xen_evtchn_do_upcall')), 'the trace reaches xen_evtchn_do_upcall');
      assert.ok(Array.isArray(trace.outcome));
      assert.ok(trace.steps.every((s) => ['device', 'ioapic', 'lapic', 'xen', 'host', 'vcpu', 'guest'].includes(s.lane)));
    });

    it('ignores and logs messages of unknown kinds or bad fields', async () => {
      const a = await indexReady();
      assert.match(await a.panels.handle({ kind: 'runShell', command: 'true' }), /^ignored: unknown kind "runShell"/);
      assert.match(await a.panels.handle({ kind: 'rerun', params: { port: { x: 1 } } }), /^ignored: .*params/);
      assert.match(await a.panels.handle({ kind: 'selectStep', stepIndex: -2 }), /^ignored/);
      assert.match(await a.panels.handle('showText'), /^ignored/);
    });

    it('selectStep moves the panel state', async () => {
      const a = await indexReady();
      assert.equal(await a.panels.handle({ kind: 'selectStep', stepIndex: 2 }), 'selectStep');
      assert.equal(a.panels.current.state?.stepIndex, 2);
    });

    it('rerun with another parameter value changes the outcome', async () => {
      const a = await indexReady();
      const before = a.panels.current.trace!;
      const shown = nextExchange(a, 'trace');
      // Masking the port keeps the event pending instead of delivering it.
      const flowParams = { ...before.params, port: before.params.port };
      await a.panels.handle({ kind: 'rerun', profile: before.profile, params: { ...flowParams, callback: 'gsi' } });
      await shown;
      const after = a.panels.current.trace!;
      assert.equal(after.params.callback, 'gsi');
      assert.notDeepEqual(after.steps.map((s) => s.step), before.steps.map((s) => s.step), 'another callback takes other steps');
    });

    it('showText opens the trace read-only in the irqlens-trace language', async () => {
      const a = await indexReady();
      await a.panels.handle({ kind: 'showText' });
      const e = await until('the trace text editor', () => {
        const ed = vscode.window.activeTextEditor;
        return ed?.document.uri.scheme === 'irqlens-trace' && ed;
      });
      assert.equal(e.document.languageId, 'irqlens-trace');
      assert.equal(e.document.getText(), a.panels.current.trace!.text);
    });

    it('openLink opens a resolved function at its line', async () => {
      const a = await indexReady();
      const link = a.panels.current.trace!.steps.flatMap((s) => s.functions).find((f) => f.location);
      assert.ok(link?.location, 'a function of the trace resolves in the sample trees');
      assert.equal(await a.panels.handle({ kind: 'openLink', link }), 'openLink');
      const e = await until(`${link.symbol} in the editor`, () => {
        const ed = vscode.window.activeTextEditor;
        return ed?.document.uri.toString() === link.location!.uri && ed;
      });
      assert.equal(e.selection.active.line, link.location.line);
      assert.match(e.document.lineAt(link.location.line).text, new RegExp(link.symbol));
    });
  });
}
