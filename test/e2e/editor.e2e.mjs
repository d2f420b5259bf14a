// Editor end-to-end: the packaged extension in a real VS Code (code-server) driven by Playwright in Debian's Chromium.
// Opens the sample trees as a multi-root workspace and checks, through the UI only, that the extension comes up and that
// go to definition, hover and workspace symbols answer from the index. Started by test/e2e/run.sh (see RECIPE.md).
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} not set (run test/e2e/run.sh)`);
  return v;
};
const URL_BASE = env('E2E_URL');
const WORKSPACE = env('E2E_WORKSPACE');
const RESULTS = env('E2E_RESULTS');
const { chromium } = createRequire(import.meta.url)(env('E2E_PLAYWRIGHT'));
const SAMPLE = path.dirname(WORKSPACE);
// Generous: the first start compiles nothing but does load tree-sitter and index three small trees on a busy 2-core box.
const TIMEOUT = 90_000;

mkdirSync(RESULTS, { recursive: true });
const log = (msg) => process.stderr.write(`e2e: ${msg}\n`);

/** 1-based line of the first line of `file` matching `re`: expectations come from the sample files, not from constants. */
function lineOf(file, re) {
  const lines = readFileSync(path.join(SAMPLE, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`${file}: no line matches ${re}`);
  return i + 1;
}

const steps = [];
async function step(name, page, body) {
  const t0 = Date.now();
  try {
    await body();
    steps.push({ name, ok: true, ms: Date.now() - t0 });
    log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    steps.push({ name, ok: false, ms: Date.now() - t0, error: String(e?.message ?? e) });
    log(`FAIL ${name}: ${e?.message ?? e}`);
    await page.screenshot({ path: path.join(RESULTS, `FAILED-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
    throw e;
  }
}

const shot = (page, name) => page.screenshot({ path: path.join(RESULTS, `${name}.png`) });

/** The text of the editor's "Ln X, Col Y" status item, parsed. */
async function cursor(page) {
  const text = await page.locator('[id="status.editor.selection"]').first().innerText();
  const m = /Ln (\d+), Col (\d+)/.exec(text);
  if (!m) throw new Error(`cursor position not shown (status says "${text}")`);
  return { line: Number(m[1]), col: Number(m[2]) };
}

async function activeTab(page) {
  return (await page.locator('.tabs-container .tab.active').first().getAttribute('aria-label')) ?? '';
}

/** Quick Open (Ctrl+P) a file by name and wait until its editor is the active one. */
async function quickOpen(page, relPath) {
  const base = path.basename(relPath);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: TIMEOUT });
  await input.fill(relPath);
  // The focused row, not any row: the recently-opened list shows before filtering, and Enter takes the focused one.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: base }).first().waitFor({ timeout: TIMEOUT });
  await page.keyboard.press('Enter');
  await page.waitForFunction((b) => document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.includes(b), base, { timeout: TIMEOUT });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: TIMEOUT });
}

/** Waits until the "Ln, Col" status item shows this (1-based) position. */
async function waitForCursor(page, line, col, what) {
  await page.waitForFunction(([l, c]) => new RegExp(`Ln ${l}, Col ${c}\\b`).test(document.querySelector('[id="status.editor.selection"]')?.textContent ?? ''), [line, col], { timeout: 15_000 })
    .catch(async () => {
      const at = await cursor(page);
      throw new Error(`${what}: cursor at Ln ${at.line}, Col ${at.col}, expected Ln ${line}, Col ${col}`);
    });
}

/** Puts the cursor at the start of the first occurrence of `text` in the active editor (sample file `file`): Find, Escape, Left. */
async function placeCursorAt(page, file, text) {
  const line = lineOf(file, new RegExp(text.replace(/[()]/g, '\\$&')));
  // VS Code's "Col" is visual: tabs (the kernel's indentation) advance to the next multiple of the tab size, 4 here.
  const before = readFileSync(path.join(SAMPLE, file), 'utf8').split('\n')[line - 1];
  let col = 1;
  for (const ch of before.slice(0, before.indexOf(text))) col = ch === '\t' ? Math.floor((col - 1) / 4) * 4 + 5 : col + 1;
  await page.locator('.monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Control+F');
  const find = page.locator('.find-widget textarea, .find-widget input').first();
  await find.waitFor({ state: 'visible', timeout: TIMEOUT });
  await find.fill(text);
  await page.locator('.find-widget .matchesCount', { hasText: /of/ }).first().waitFor({ timeout: TIMEOUT });
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowLeft');
  await waitForCursor(page, line, col, `placing the cursor on ${text}`);
  return { line, col };
}

// launch() gives every run a fresh temporary profile, removed on close.
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);

  await step('workbench opens the multi-root sample workspace', page, async () => {
    await page.goto(`${URL_BASE}/?workspace=${encodeURIComponent(WORKSPACE)}`);
    // The three roots show in the explorer once the workbench is connected to the server.
    for (const root of ['xen', 'linux', 'qemu']) {
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: new RegExp(`^\\s*${root}\\b`, 'i') }).first().waitFor({ timeout: TIMEOUT });
    }
    await shot(page, '01-workbench');
  });

  await step('Quick Open linux/drivers/xen/events/events_base.c', page, async () => {
    await quickOpen(page, 'drivers/xen/events/events_base.c');
    await shot(page, '02-events_base');
  });

  await step('status bar item says the index is ready', page, async () => {
    // client/src/statusItem.ts: spinning icons while starting or indexing; when ready, the codebases and versions it
    // detected as text and "index ready" with a per-tree table as tooltip.
    const want = ['xen 4.17.5', 'linux 6.1.192', 'qemu 7.2.0'];
    await page.waitForFunction((w) => [...document.querySelectorAll('.statusbar-item')].some((e) => {
      const t = e.textContent ?? '';
      return /IRQ Lens:/.test(t) && w.every((x) => t.includes(x)) && !e.querySelector('.codicon-modifier-spin');
    }), want, { timeout: TIMEOUT });
    const item = page.locator('.statusbar-item', { hasText: 'IRQ Lens:' }).first();
    log(`status item: ${JSON.stringify(await item.innerText())}`);
    await item.hover();
    const tip = page.locator('.monaco-hover', { hasText: 'index ready' }).first();
    await tip.waitFor({ timeout: TIMEOUT });
    log(`status tooltip: ${JSON.stringify((await tip.innerText()).replace(/\s+/g, ' ').slice(0, 300))}`);
    await shot(page, '03-status-ready');
    await page.mouse.move(700, 400);
    await page.keyboard.press('Escape');
  });

  await step('F12 on generic_handle_irq jumps to kernel/irq/irqdesc.c', page, async () => {
    const expected = lineOf('linux/kernel/irq/irqdesc.c', /^int generic_handle_irq\(/);
    const at = await placeCursorAt(page, 'linux/drivers/xen/events/events_base.c', 'generic_handle_irq(irq)');
    log(`cursor on the call at Ln ${at.line}, Col ${at.col}`);
    await page.keyboard.press('F12');
    await page.waitForFunction(() => document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.includes('irqdesc.c'), null, { timeout: TIMEOUT });
    // The tab switches before the "Ln, Col" item follows: wait for the expected line.
    await waitForCursor(page, expected, 5, 'after F12');
    const pos = await cursor(page);
    log(`definition at Ln ${pos.line}, Col ${pos.col} of ${await activeTab(page)}`);
    // The line under the cursor really is the definition, as rendered.
    const current = await page.locator('.monaco-editor .view-overlays .current-line').count();
    if (current < 1) throw new Error('no current line highlighted');
    await shot(page, '04-definition-irqdesc');
  });

  await step('hover on generic_handle_irq shows its signature and comment', page, async () => {
    await quickOpen(page, 'drivers/xen/events/events_base.c');
    await placeCursorAt(page, 'linux/drivers/xen/events/events_base.c', 'generic_handle_irq(irq)');
    // Show Hover from the keyboard (Ctrl+K Ctrl+I): deterministic where the mouse depends on layout.
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover .hover-contents', { hasText: 'generic_handle_irq' }).first();
    await hover.waitFor({ timeout: TIMEOUT });
    const text = await hover.innerText();
    log(`hover: ${JSON.stringify(text.slice(0, 300))}`);
    if (!/int\s+generic_handle_irq\s*\(\s*unsigned int irq\s*\)/.test(text)) throw new Error(`hover lacks the signature: ${text}`);
    if (!/Invoke the handler for a particular irq/.test(text)) throw new Error(`hover lacks the leading comment: ${text}`);
    await shot(page, '05-hover');
    await page.keyboard.press('Escape');
  });

  await step('mouse hover on ack_dynirq in the xen_dynamic_chip table shows its signature and comment', page, async () => {
    const line = lineOf('linux/drivers/xen/events/events_base.c', /\.irq_ack\s*=\s*ack_dynirq/);
    await page.locator('.monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
    await waitForCursor(page, line, 1, 'Go to Line');
    // The exact on-screen box of the word, from a DOM Range over the rendered line's text.
    const box = await page.waitForFunction(() => {
      const row = [...document.querySelectorAll('.monaco-editor .view-line')].find((l) => /\.irq_ack\s*=\s*ack_dynirq/.test(l.textContent ?? ''));
      if (!row) return null;
      const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const i = n.textContent.indexOf('ack_dynirq');
        if (i < 0) continue;
        const r = document.createRange();
        r.setStart(n, i);
        r.setEnd(n, i + 'ack_dynirq'.length);
        const b = r.getBoundingClientRect();
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      }
      return null;
    }, null, { timeout: TIMEOUT }).then((h) => h.jsonValue());
    // Two moves, as a user would: onto the line, then onto the word.
    await page.mouse.move(box.x - 60, box.y);
    await page.mouse.move(box.x, box.y, { steps: 5 });
    const hover = page.locator('.monaco-hover .hover-contents', { hasText: 'ack_dynirq' }).first();
    await hover.waitFor({ timeout: TIMEOUT });
    const text = await hover.innerText();
    log(`mouse hover: ${JSON.stringify(text.slice(0, 300))}`);
    if (!/static void ack_dynirq\(struct irq_data \*data\)/.test(text)) throw new Error(`hover lacks the signature: ${text}`);
    if (!/The flow handler's ack/.test(text)) throw new Error(`hover lacks the leading comment: ${text}`);
    await shot(page, '06-mouse-hover');
    await page.mouse.move(5, 450);
    await page.keyboard.press('Escape');
  });

  await step('workspace symbols (Ctrl+T) list evtchn_2l_set_pending in Xen and Linux', page, async () => {
    await page.keyboard.press('Control+T');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: TIMEOUT });
    const value = await input.inputValue();
    if (!value.startsWith('#')) throw new Error(`Ctrl+T opened "${value}", not the workspace symbol picker`);
    await input.fill('#evtchn_2l_set_pending');
    const rows = page.locator('.quick-input-list .monaco-list-row', { hasText: 'evtchn_2l_set_pending' });
    await page.waitForFunction(() => {
      const texts = [...document.querySelectorAll('.quick-input-list .monaco-list-row')].map((r) => r.textContent ?? '');
      return texts.some((t) => t.includes('evtchn_2l_set_pending') && t.includes('event_2l.c')) &&
        texts.some((t) => t.includes('evtchn_2l_set_pending') && t.includes('events_2l.c'));
    }, null, { timeout: TIMEOUT });
    const texts = await rows.allInnerTexts();
    log(`symbols: ${JSON.stringify(texts)}`);
    await shot(page, '07-workspace-symbols');
    await page.keyboard.press('Escape');
  });
} catch {
  failed = true;
} finally {
  await browser.close();
}
log(`${steps.filter((s) => s.ok).length}/${steps.length} steps passed${failed ? ' (stopped at the first failure)' : ''}; screenshots in ${RESULTS}`);
if (failed || steps.length === 0) process.exit(1);
