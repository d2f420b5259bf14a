// The extension-host test entry in the @vscode/test-electron contract: VS Code loads this file in the extension host
// (extensionTestsPath) and awaits run(); a rejection is a failed run. Results also go to a JSON file beside this
// bundle, for test/e2e/run.sh to print.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { activationSuite } from './activation.suite';
import { commandsSuite } from './commands.suite';
import { languageSuite } from './language.suite';
import { panelSuite } from './panel.suite';

export function run(): Promise<void> {
  // IRQLENS_E2E_GREP (inherited from code-server's environment) runs only the matching tests while working on them.
  const mocha = new Mocha({ ui: 'bdd', timeout: 240_000, color: false, reporter: 'spec', grep: process.env.IRQLENS_E2E_GREP || undefined });
  // Define the suites now: the bdd globals (describe, it) exist only after pre-require.
  mocha.suite.emit('pre-require', globalThis, 'irqlens-extension-tests', mocha);
  activationSuite();
  languageSuite();
  commandsSuite();
  panelSuite();
  const results: { title: string; state: string; ms?: number; error?: string }[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      writeFileSync(path.join(__dirname, 'host-results.json'), JSON.stringify({ failures, results }, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), state: 'failed', error: err.stack ?? err.message }));
  });
}
