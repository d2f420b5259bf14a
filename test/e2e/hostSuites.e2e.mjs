// Runs the extension-host mocha suites (test/e2e/extension, the @vscode/test-electron contract) inside code-server
// started with the smoke-test driver: the page loads the extension under development and the tests, and VS Code calls
// window.codeAutomationExit(code) when run() settles. Started by test/e2e/run.sh.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} not set (run test/e2e/run.sh)`);
  return v;
};
const URL_BASE = env('E2E_URL');
const WORKSPACE = env('E2E_WORKSPACE');
const DEV = env('E2E_DEV_EXTENSION');
const TESTS = env('E2E_HOST_TESTS');
const RESULTS = path.join(path.dirname(TESTS), 'host-results.json');
const { chromium } = createRequire(import.meta.url)(env('E2E_PLAYWRIGHT'));
const log = (msg) => process.stderr.write(`e2e/host: ${msg}\n`);

const host = new URL(URL_BASE).host;
const payload = [
  ['extensionDevelopmentPath', `vscode-remote://${host}${DEV}`],
  ['extensionTestsPath', `vscode-remote://${host}${TESTS}`],
];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let code = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const exited = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (c) => resolve(c)));
  await page.goto(`${URL_BASE}/?workspace=${encodeURIComponent(WORKSPACE)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  // The suites wait for the index themselves; this bounds a hung run.
  let timer;
  code = await Promise.race([exited, new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), 15 * 60_000); })]);
  clearTimeout(timer);
} finally {
  await browser.close();
}
if (existsSync(RESULTS)) {
  const r = JSON.parse(readFileSync(RESULTS, 'utf8'));
  for (const t of r.results) log(`${t.state === 'passed' ? 'ok  ' : 'FAIL'} ${t.title}${t.ms !== undefined ? ` (${t.ms} ms)` : ''}${t.error ? `\n${t.error}` : ''}`);
  log(`${r.results.filter((t) => t.state === 'passed').length}/${r.results.length} extension-host tests passed`);
} else log('no results written (the suites did not run; see the extension host log)');
if (code !== 0) {
  log(`FAIL: exit code ${code}`);
  process.exit(1);
}
