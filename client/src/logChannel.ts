// Feeds the language client's log text into a LogOutputChannel at the right level, so the output channel's level filter works.
import type * as vscode from 'vscode';

/**
 * vscode-languageclient 9 writes server logs as `[Error - 10:42:01] text` lines via appendLine; this adapter turns the
 * prefix back into a LogOutputChannel level (the channel adds its own timestamp). Protocol traces (`[Trace - …]`, asked
 * for by `irqlens.trace.server`) stay at info so they show without also lowering the channel's level.
 */
export function levelledChannel(log: vscode.LogOutputChannel): vscode.OutputChannel {
  const prefix = /^\[(Error|Warn|Info|Debug|Trace)\s*- [^\]]*\] ?/;
  return {
    name: log.name,
    append: (value: string) => log.append(value),
    appendLine: (value: string) => {
      const m = prefix.exec(value);
      const text = m ? value.slice(m[0].length) : value;
      switch (m?.[1]) {
        case 'Error':
          log.error(text);
          break;
        case 'Warn':
          log.warn(text);
          break;
        case 'Debug':
          log.debug(text);
          break;
        default:
          log.info(text);
      }
    },
    replace: (value: string) => log.replace(value),
    clear: () => log.clear(),
    show: (a?: unknown, b?: boolean) => (typeof a === 'boolean' ? log.show(a) : log.show(b)),
    hide: () => log.hide(),
    dispose: () => log.dispose(),
  } as vscode.OutputChannel;
}
