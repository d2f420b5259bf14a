// Checks package.json `contributes` against the sources of truth: the settings table (server/src/protocol/configuration.ts)
// and the client's command table (client/src/commands.ts, read as text: the test project cannot load `vscode`).
import { ClientCommands } from '../../server/src/protocol/flowMessages';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSettings, parseSettings, settingSpecs } from '../../server/src/protocol/configuration';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

void test('contributes.configuration matches the settings table exactly', () => {
  const props = pkg.contributes?.configuration?.properties as Record<string, unknown> | undefined;
  assert.ok(props, 'package.json has contributes.configuration.properties');
  assert.deepEqual(Object.keys(props).sort(), Object.keys(settingSpecs).sort(), 'same setting names');
  for (const [key, spec] of Object.entries(settingSpecs)) assert.deepEqual(props[key], JSON.parse(JSON.stringify(spec)), key);
  for (const key of ['irqlens.trees', 'irqlens.include', 'irqlens.exclude', 'irqlens.trace.server', 'irqlens.logLevel']) {
    assert.ok(key in settingSpecs, `${key} is a setting`);
  }
});

void test('parseSettings: defaults from the table, bad values fall back field by field', () => {
  assert.deepEqual(parseSettings(undefined), defaultSettings);
  assert.deepEqual(defaultSettings.include, settingSpecs['irqlens.include'].default);
  const s = parseSettings({ trees: ['xen', 7], include: ['**/*.c'], logLevel: 'loud', trace: { server: 'verbose' } });
  assert.deepEqual(s.trees, defaultSettings.trees, 'a non-string entry rejects the list');
  assert.deepEqual(s.include, ['**/*.c']);
  assert.equal(s.logLevel, 'info');
  assert.equal(s.trace.server, 'verbose');
});

void test('contributes.commands matches the client command table', () => {
  const src = fs.readFileSync(path.join(root, 'client', 'src', 'commands.ts'), 'utf8');
  // Ids are written as literals or as the protocol's ClientCommands (the ids lenses and hovers carry).
  const literal = [...src.matchAll(/\bid: '(irqlens\.[\w.]+)'/g)].map((m) => m[1]);
  const named = [...src.matchAll(/\bid: ClientCommands\.(\w+)/g)].map((m) => ClientCommands[m[1] as keyof typeof ClientCommands]);
  const ids = [...literal, ...named].sort();
  assert.ok(ids.length > 0, 'found command ids in client/src/commands.ts');
  const declared = (pkg.contributes?.commands as { command: string; title: string; category?: string }[]).map((c) => c.command).sort();
  assert.deepEqual(declared, ids);
  assert.ok(ids.includes('irqlens.restartServer'));
});
