// Playwright helpers shared by the UI tests: steps with screenshots on failure, Quick Open, the cursor, the command
// palette, and the simulation panel's webview frame. Every wait is on a DOM signal.
import * as path from 'node:path';

export const log = (msg) => process.stderr.write(`e2e: ${msg}\n`);

export function stepper(results) {
  const steps = [];
  // E2E_STEPS (a regex) runs only the matching steps, and the first one (it opens the workspace), while working on them.
  const only = process.env.E2E_STEPS ? new RegExp(process.env.E2E_STEPS) : undefined;
  async function step(name, page, body) {
    if (only && steps.length > 0 && !only.test(name)) {
      log(`skip ${name}`);
      return;
    }
    const t0 = Date.now();
    try {
      await body();
      steps.push({ name, ok: true, ms: Date.now() - t0 });
      log(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      steps.push({ name, ok: false, ms: Date.now() - t0, error: String(e?.message ?? e) });
      log(`FAIL ${name}: ${e?.message ?? e}`);
      await page.screenshot({ path: path.join(results, `FAILED-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
      throw e;
    }
  }
  return { steps, step };
}

export async function launch(chromium) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Quick Open (Ctrl+P) a file by workspace-relative path and wait until its editor is the active one. */
export async function quickOpen(page, relPath, timeout) {
  const base = path.basename(relPath);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(relPath);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: base }).first().waitFor({ timeout });
  await page.keyboard.press('Enter');
  // The active group's active tab: with several groups, the first active tab on the page may be another group's.
  await page.waitForFunction((b) => document.querySelector('.editor-group-container.active .tabs-container .tab.active')?.getAttribute('aria-label')?.includes(b), base, { timeout });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout });
}

/** Go to a 1-based line with Ctrl+G in the focused editor, and wait until the status item shows it. */
export async function goToLine(page, line, timeout) {
  // The active group's editor: with several groups open, the first editor on the page may be another one.
  await page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.waitForFunction((l) => new RegExp(`Ln ${l}, Col`).test(document.querySelector('[id="status.editor.selection"]')?.textContent ?? ''), line, { timeout });
}

/** Runs a command from the palette (F1) by its title. */
export async function runCommand(page, title, timeout) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first().waitFor({ timeout });
  await page.keyboard.press('Enter');
}

/** The screen box of `word` on the rendered editor line matching `lineRe`, from a DOM Range over the text. */
export async function wordBox(page, lineRe, word, timeout) {
  const h = await page.waitForFunction(([src, w]) => {
    const re = new RegExp(src);
    const row = [...document.querySelectorAll('.monaco-editor .view-line')].find((l) => re.test(l.textContent ?? ''));
    if (!row) return null;
    const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.textContent.indexOf(w);
      if (i < 0) continue;
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + w.length);
      const b = r.getBoundingClientRect();
      return { x: b.x + b.width / 2, y: b.y + b.height / 2, top: b.top };
    }
    return null;
  }, [lineRe.source, word], { timeout }).catch(async (e) => {
    const lines = await page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-line')].map((l) => l.textContent).filter((t) => t.trim()).slice(0, 8));
    throw new Error(`"${word}" on no rendered line matching ${lineRe}; lines include ${JSON.stringify(lines)} (${e.message})`);
  });
  return h.jsonValue();
}

/** The simulation panel's content frame (a webview is an iframe holding the active frame). */
export function panelFrame(page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** The status bar item's text once the index is ready with these codebases (no spinner). */
export async function waitForReady(page, codebases, timeout) {
  await page.waitForFunction((w) => [...document.querySelectorAll('.statusbar-item')].some((e) => {
    const t = e.textContent ?? '';
    return /IRQ Lens:/.test(t) && w.every((x) => t.includes(x)) && !e.querySelector('.codicon-modifier-spin');
  }), codebases, { timeout });
  return page.locator('.statusbar-item', { hasText: 'IRQ Lens:' }).first().innerText();
}
