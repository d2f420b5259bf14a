// Activation: the extension starts, registers every command it declares, reaches a ready index and fills its views.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { commandTable } from '../../../client/src/commands';
import { api, indexReady, until } from './helpers';

export function activationSuite(): void {
  describe('activation', () => {
    it('activates and returns its API', async () => {
      const a = await api();
      assert.ok(a.panels && a.flows && a.status, 'API parts present');
      assert.ok(vscode.extensions.getExtension('irqlens.irqlens')?.isActive);
    });

    it('registers every command package.json declares', async () => {
      await api();
      const declared = (vscode.extensions.getExtension('irqlens.irqlens')!.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
      const registered = new Set(await vscode.commands.getCommands(true));
      for (const id of declared) assert.ok(registered.has(id), `${id} is declared but not registered`);
      assert.ok(declared.length >= 12, `only ${declared.length} commands declared`);
    });

    it('hides from the palette exactly the commands the table marks as argument-only', async () => {
      await api();
      const pkg = vscode.extensions.getExtension('irqlens.irqlens')!.packageJSON as { contributes: { menus: { commandPalette: { command: string; when: string }[] } } };
      const hidden = new Set(pkg.contributes.menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command));
      for (const spec of commandTable) assert.equal(hidden.has(spec.id), !spec.palette, `${spec.id}: palette ${spec.palette} in the table`);
    });

    it('reaches a ready index and reports link coverage per tree', async () => {
      const a = await indexReady();
      await until('link coverage in the status text', () => /xen 4\.17\.5 \d+\/\d+/.test(a.status.text));
    });

    it('fills the Interrupt flows view with flows, steps and resolved links', async () => {
      const a = await indexReady();
      const flows = await until('flows in the view', () => a.flows.getChildren().length > 0 && a.flows.getChildren());
      const x1 = flows.find((f) => f.kind === 'flow' && f.flow.id === 'X1');
      assert.ok(x1, 'flow X1 listed');
      const steps = a.flows.getChildren(x1);
      assert.ok(steps.length > 5, 'X1 has its steps');
      const links = steps.flatMap((s) => a.flows.getChildren(s));
      assert.ok(links.some((l) => l.kind === 'link' && l.link.location), 'some link resolves in the sample trees');
      const item = a.flows.getTreeItem(links.find((l) => l.kind === 'link' && !l.link.location) ?? links[0]);
      assert.equal(item.command?.command, 'irqlens.goToStep');
    });
  });
}
