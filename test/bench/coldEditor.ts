// The editor's first answers on a cold workspace: the bundled server over stdio, a multi-root workspace of the real
// Xen and Linux trees, an empty cache, Xen's xen/arch/x86/hvm/irq.c opened as VS Code opens it. Times, from the
// `initialize` request: the first definition (vlapic_set_irq, called from hvm_assert_evtchn_irq), the first
// "Simulate" lens on hvm_assert_evtchn_irq (codeLens, then codeLens/resolve), and the full index's ready status.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

export interface ColdEditorResult {
  /** Seconds from `initialize` to a non-empty definition answer. */
  firstDefinitionS?: number;
  /** Seconds from `initialize` to a resolved lens whose title says "Simulate" on hvm_assert_evtchn_irq's line. */
  firstSimulateLensS?: number;
  /** Seconds from `initialize` to the full index's ready status. */
  fullReadyS?: number;
  /** Why a measure is missing (the server has no code lens, an answer never came). */
  notes: string[];
}

interface Lens {
  range: { start: { line: number } };
  command?: { title: string };
  data?: unknown;
}

const uri = (f: string) => pathToFileURL(f).href;

/** Zero-based position of `needle` inside the function that starts at `fnStart`. */
function positionAfter(text: string, fnStart: number, needle: string): { line: number; character: number } {
  const at = text.indexOf(needle, fnStart);
  if (at < 0) throw new Error(`${needle} not found`);
  const before = text.slice(0, at);
  return { line: before.split('\n').length - 1, character: at - (before.lastIndexOf('\n') + 1) + 2 };
}

export async function measureColdEditor(serverJs: string, xen: string, linux: string, hangGuardS = 1800): Promise<ColdEditorResult> {
  const storage = mkdtempSync(path.join(os.tmpdir(), 'irqlens-bench-editor-'));
  const proc = spawn(process.execPath, [serverJs, '--stdio'], { stdio: 'pipe' });
  proc.stderr.resume();
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const result: ColdEditorResult = { notes: [] };
  let ready: () => void = () => undefined;
  const readyP = new Promise<void>((resolve) => (ready = resolve));
  const t0 = performance.now();
  const since = () => +((performance.now() - t0) / 1000).toFixed(2);
  conn.onNotification('irqlens/status', (s: { state: string }) => {
    if (s.state === 'ready' && result.fullReadyS === undefined) {
      result.fullReadyS = since();
      ready();
    }
  });
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('workspace/configuration', () => [{}]);
  conn.listen();
  const guard = setTimeout(() => proc.kill(), hangGuardS * 1000);
  try {
    const init = await conn.sendRequest<{ capabilities: { codeLensProvider?: { resolveProvider?: boolean } } }>('initialize', {
      processId: process.pid,
      rootUri: uri(xen),
      workspaceFolders: [xen, linux].map((f) => ({ uri: uri(f), name: path.basename(f) })),
      capabilities: { window: { workDoneProgress: true }, textDocument: { hover: { contentFormat: ['markdown'] } } },
      initializationOptions: { storagePath: storage, settings: {} },
    });
    await conn.sendNotification('initialized', {});
    const irqC = path.join(xen, 'xen', 'arch', 'x86', 'hvm', 'irq.c');
    const text = readFileSync(irqC, 'utf8');
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(irqC), languageId: 'c', version: 1, text } });
    const fn = text.indexOf('void hvm_assert_evtchn_irq(');
    const fnLine = text.slice(0, fn).split('\n').length - 1;

    const definition = (async () => {
      const locs = await conn.sendRequest<unknown[]>('textDocument/definition', { textDocument: { uri: uri(irqC) }, position: positionAfter(text, fn, 'vlapic_set_irq(') });
      if (locs.length > 0) result.firstDefinitionS = since();
      else result.notes.push('definition of vlapic_set_irq came back empty');
    })();

    const lens = (async () => {
      if (!init.capabilities.codeLensProvider) {
        result.notes.push('the server has no code lens');
        return;
      }
      // Ask until a lens on the function's line resolves to a Simulate command (the index may still be building).
      for (let attempt = 0; attempt < 600; attempt++) {
        const lenses = await conn.sendRequest<Lens[] | null>('textDocument/codeLens', { textDocument: { uri: uri(irqC) } });
        for (const l of (lenses ?? []).filter((x) => Math.abs(x.range.start.line - fnLine) <= 1)) {
          const resolved = l.command ? l : await conn.sendRequest<Lens>('codeLens/resolve', l);
          if (/Simulate/.test(resolved.command?.title ?? '')) {
            result.firstSimulateLensS = since();
            return;
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      result.notes.push('no Simulate lens on hvm_assert_evtchn_irq');
    })();

    await Promise.all([definition, lens]);
    await readyP;
  } finally {
    clearTimeout(guard);
    try {
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
    } catch {
      proc.kill();
    }
    conn.dispose();
    rmSync(storage, { recursive: true, force: true });
  }
  return result;
}
