// package.json's contributions: every command titled in the "IRQ Lens" category, hidden ones really hidden, menus and
// views pointing at declared commands and views, the webview panel restorable after a reload.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ClientCommands, hoverCommandAllowList } from '../../server/src/protocol/flowMessages';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const c = pkg.contributes;
const ids = new Set<string>(c.commands.map((x: { command: string }) => x.command));

void test('every command has a title and the "IRQ Lens" category', () => {
  for (const cmd of c.commands) {
    assert.match(cmd.command, /^irqlens\.\w+$/);
    assert.ok(typeof cmd.title === 'string' && cmd.title.length > 3, `${cmd.command} has no title`);
    assert.equal(cmd.category, 'IRQ Lens', `${cmd.command} category`);
  }
  assert.equal(ids.size, c.commands.length, 'a command is declared twice');
});

void test('the commands lenses and hovers carry are declared; the argument-only ones are hidden from the palette', () => {
  for (const id of Object.values(ClientCommands)) assert.ok(ids.has(id), `${id} (protocol) not declared`);
  for (const id of hoverCommandAllowList) assert.ok(ids.has(id), `${id} (hover allow-list) not declared`);
  const hidden = new Set(c.menus.commandPalette.filter((m: { when: string }) => m.when === 'false').map((m: { command: string }) => m.command));
  for (const id of ['irqlens.goToStep', 'irqlens.pickFlowStep', 'irqlens.showCallHierarchy', 'irqlens.simulateStep']) assert.ok(hidden.has(id), `${id} shows in the palette`);
  for (const id of ['irqlens.simulateFromHere', 'irqlens.pickScenario', 'irqlens.runScenarioFile', 'irqlens.showFlow', 'irqlens.restartServer']) {
    assert.ok(!hidden.has(id), `${id} is hidden from the palette`);
  }
});

void test('menus name declared commands and views; the flows view lives in the IRQ Lens container', () => {
  const views = new Set<string>(Object.values(c.views).flat().map((v) => (v as { id: string }).id));
  assert.ok(views.has('irqlens.flows'));
  assert.ok(c.viewsContainers.activitybar.some((v: { id: string }) => v.id === 'irqlens' && c.views.irqlens));
  for (const [menu, items] of Object.entries(c.menus)) {
    for (const item of items as { command: string; when?: string }[]) {
      assert.ok(ids.has(item.command), `${menu}: ${item.command} is not declared`);
      for (const v of item.when?.match(/view == ([\w.]+)/g) ?? []) assert.ok(views.has(v.slice('view == '.length)), `${menu}: unknown ${v}`);
    }
  }
  for (const icon of [c.viewsContainers.activitybar[0].icon]) assert.ok(existsSync(path.join(root, icon)), `${icon} missing`);
});

void test('the simulation panel restores after a reload: activation on its view type', () => {
  assert.ok(pkg.activationEvents.includes('onWebviewPanel:irqlens.simulation'));
  const source = readFileSync(path.join(root, 'client/src/simulation/simulationPanel.ts'), 'utf8');
  assert.match(source, /simulationViewType = 'irqlens\.simulation'/);
  assert.match(source, /registerWebviewPanelSerializer/);
});
