// Every IRQ Lens command in one table, registered at activation; commands that need the server say so when it is not running.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReindexRequest } from '../../server/src/protocol/customMessages';
import { reviewCommitRange, reviewPatchFile, reviewWorkingTree } from './review/reviewCommands';

export interface CommandContext {
  /** The running client, or undefined when the server is stopped or failed to start. */
  client(): LanguageClient | undefined;
  log: vscode.LogOutputChannel;
  restart(): Promise<void>;
}

export interface CommandSpec {
  /** Also declared, with its title, in package.json `contributes.commands`. */
  id: string;
  needsServer: boolean;
  run(ctx: CommandContext, client: LanguageClient | undefined): unknown;
}

export const commandTable: CommandSpec[] = [
  { id: 'irqlens.restartServer', needsServer: false, run: (ctx) => ctx.restart() },
  { id: 'irqlens.showOutput', needsServer: false, run: (ctx) => ctx.log.show(true) },
  {
    id: 'irqlens.reindex',
    needsServer: true,
    run: async (_ctx, client) => {
      await client?.sendRequest(ReindexRequest.type);
    },
  },
  { id: 'irqlens.reviewPatchFile', needsServer: true, run: (_ctx, client) => reviewPatchFile(client) },
  { id: 'irqlens.reviewWorkingTree', needsServer: true, run: (_ctx, client) => reviewWorkingTree(client) },
  { id: 'irqlens.reviewCommitRange', needsServer: true, run: (_ctx, client) => reviewCommitRange(client) },
];

export function registerCommands(ctx: CommandContext, table: CommandSpec[] = commandTable): vscode.Disposable[] {
  return table.map((spec) =>
    vscode.commands.registerCommand(spec.id, async () => {
      const client = ctx.client();
      if (spec.needsServer && !client?.isRunning()) {
        const pick = await vscode.window.showWarningMessage('The IRQ Lens server is not running.', 'Restart Server', 'Show Output');
        if (pick === 'Restart Server') await ctx.restart();
        if (pick === 'Show Output') ctx.log.show(true);
        return;
      }
      try {
        await spec.run(ctx, client);
      } catch (err) {
        ctx.log.error(`${spec.id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        void vscode.window.showErrorMessage(`IRQ Lens: ${spec.id} failed; see the output.`);
      }
    }),
  );
}
