// The server's flow features through VS Code's own provider commands: lenses on a step's function, and hovers whose
// command links are trusted for exactly the allow-listed commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { hoverText, indexReady, positionOf, sampleFile, until } from './helpers';

export function languageSuite(): void {
  describe('lenses and hovers', () => {
    it('shows a "Simulate from here" lens on hvm_assert_evtchn_irq', async () => {
      await indexReady();
      const uri = sampleFile('xen', 'xen/arch/x86/hvm/irq.c');
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const def = positionOf(doc, 'void hvm_assert_evtchn_irq(');
      const lenses = await until('lenses on hvm_assert_evtchn_irq', async () => {
        const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 50);
        const here = all.filter((l) => l.range.start.line === def.line && l.command);
        return here.length > 0 && here;
      });
      const simulate = lenses.find((l) => l.command?.command === 'irqlens.simulateFromHere' || l.command?.command === 'irqlens.pickFlowStep');
      assert.ok(simulate, `no simulate lens; lenses: ${lenses.map((l) => `${l.command?.title} (${l.command?.command})`).join(' | ')}`);
      if (simulate.command!.command === 'irqlens.simulateFromHere') {
        const args = simulate.command!.arguments?.[0] as { flow: string; step: string };
        assert.match(args.flow, /^X\d+$/);
        assert.match(args.step, /^X\d+\./);
      }
    });

    it('hovers on hvm_assert_evtchn_irq name the flow and step, with trusted command links only for the allow-list', async () => {
      await indexReady();
      const uri = sampleFile('xen', 'xen/arch/x86/hvm/irq.c');
      const doc = await vscode.workspace.openTextDocument(uri);
      const at = positionOf(doc, 'hvm_assert_evtchn_irq(').translate(0, 3);
      const hovers = await until('a flow hover', async () => {
        const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
        return /command:irqlens\.simulateFromHere/.test(hoverText(h)) && h;
      });
      const text = hoverText(hovers);
      assert.match(text, /X\d+/, 'the hover names a flow');
      assert.match(text, /step/i, 'the hover names a step');
      for (const md of hovers.flatMap((h) => h.contents).filter((c): c is vscode.MarkdownString => typeof c !== 'string' && 'isTrusted' in c)) {
        if (!/command:/.test(md.value)) continue;
        assert.notEqual(md.isTrusted, true, 'hover markdown must never be trusted for every command');
        if (typeof md.isTrusted === 'object') {
          assert.ok(md.isTrusted.enabledCommands.includes('irqlens.simulateFromHere'));
          assert.ok(!md.isTrusted.enabledCommands.includes('workbench.action.terminal.new'));
        }
      }
    });
  });
}
