// Opening the places the server names (LSP positions in workspace files) and the links of flow steps.
import * as vscode from 'vscode';
import type { LinkView, SourceLocation } from '../../server/src/protocol/flowMessages';

export function toPosition(loc: SourceLocation): vscode.Position {
  return new vscode.Position(loc.line, loc.character);
}

/** Opens `loc` in an editor with the cursor on it (beside the panel when asked). */
export async function openLocation(loc: SourceLocation, column?: vscode.ViewColumn): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(loc.uri));
  const pos = toPosition(loc);
  return vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: column, preserveFocus: false });
}

/** One line saying where a link's function lives: "linux: xen_evtchn_do_upcall in drivers/xen/events/events_base.c". */
export function describeLink(link: LinkView): string {
  return `${link.codebase}: ${link.symbol}${link.file ? ` in ${link.file}` : ''}`;
}
