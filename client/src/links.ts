// Going to a step's function: open it when the server resolved it, else say where it lives (codebase, file, symbol)
// and offer to add that tree to the workspace.
import * as vscode from 'vscode';
import type { LinkView } from '../../server/src/protocol/flowMessages';
import { describeLink, openLocation } from './locations';

export const addFolderChoice = 'Add Folder to Workspace…';

export async function goToLink(link: LinkView, context: string, column?: vscode.ViewColumn): Promise<vscode.TextEditor | undefined> {
  if (link.location) return openLocation(link.location, column);
  const why = link.unresolved ?? 'it is not in the indexed trees';
  const pick = await vscode.window.showInformationMessage(
    `${describeLink(link)} (${context}) is not in the open workspace: ${why}.`,
    addFolderChoice,
  );
  if (pick === addFolderChoice) await addFolderToWorkspace(link.codebase);
  return undefined;
}

/** A folder picker, then the folder appended to the workspace (the server indexes it when the folders change). */
export async function addFolderToWorkspace(codebase: string): Promise<boolean> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: `Add ${codebase} tree`,
    title: `The ${codebase} source tree to add to the workspace`,
  });
  if (!picked?.[0]) return false;
  const at = vscode.workspace.workspaceFolders?.length ?? 0;
  return vscode.workspace.updateWorkspaceFolders(at, 0, { uri: picked[0] });
}
