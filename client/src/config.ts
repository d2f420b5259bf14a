// Reads the `irqlens` settings in the client, through the one table shared with the server (server/src/protocol/configuration.ts).
import * as vscode from 'vscode';
import { parseSettings, settingsSection, type IrqLensSettings } from '../../server/src/protocol/configuration';

export function readSettings(scope?: vscode.ConfigurationScope): IrqLensSettings {
  const c = vscode.workspace.getConfiguration(settingsSection, scope);
  return parseSettings({
    trees: c.get('trees'),
    include: c.get('include'),
    exclude: c.get('exclude'),
    trace: { server: c.get('trace.server') },
    logLevel: c.get('logLevel'),
    lens: { flows: c.get('lens.flows'), calls: c.get('lens.calls') },
    cache: { maxSizeMB: c.get('cache.maxSizeMB') },
    maxFileSize: c.get('maxFileSize'),
  });
}

/** True when a configuration change touches our section. */
export function affectsUs(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(settingsSection);
}
