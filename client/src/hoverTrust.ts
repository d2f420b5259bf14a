// Hovers from the server carry `command:` links (simulate from here, go to a step). VS Code runs such links only from
// trusted markdown; trust exactly the allow-listed commands, never every command.
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { hoverCommandAllowList } from '../../server/src/protocol/flowMessages';

/** A copy of a hover part as markdown that may run only the allow-listed commands. */
export function trustHoverPart(part: vscode.MarkdownString | vscode.MarkedString): vscode.MarkdownString {
  let md: vscode.MarkdownString;
  if (part instanceof vscode.MarkdownString) {
    md = new vscode.MarkdownString(part.value, part.supportThemeIcons);
    md.supportHtml = part.supportHtml;
    md.baseUri = part.baseUri;
  } else if (typeof part === 'string') {
    md = new vscode.MarkdownString(part);
  } else {
    md = new vscode.MarkdownString().appendCodeblock(part.value, part.language);
  }
  md.isTrusted = { enabledCommands: [...hoverCommandAllowList] };
  return md;
}

export const hoverTrustMiddleware: Pick<Middleware, 'provideHover'> = {
  provideHover: async (document, position, token, next) => {
    const hover = await next(document, position, token);
    if (!hover) return hover;
    return new vscode.Hover(hover.contents.map(trustHoverPart), hover.range);
  },
};
