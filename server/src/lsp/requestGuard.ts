// Runs a request handler against the index: waits for the index (requests before it is ready are answered once it is),
// honours cancellation while waiting and before answering, and turns any exception into a logged error and an empty answer.
import { LSPErrorCodes, ResponseError, type CancellationToken } from 'vscode-languageserver';
import type { WorkspaceIndex } from '../engine/index/workspaceIndex';
import type { IndexService } from './indexService';
import { describeError, type Logger } from './logger';

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

function whenCancelled(token: CancellationToken): Promise<'cancelled'> {
  return new Promise((resolve) => {
    if (token.isCancellationRequested) resolve('cancelled');
    else token.onCancellationRequested(() => resolve('cancelled'));
  });
}

export interface RunOptions<T> {
  /**
   * The request may be answered from the early, partial index while the full one is built, when this says the answer
   * is useful (a definition found); otherwise it waits for the full index.
   */
  partialOk?: (result: T) => boolean;
}

export class RequestGuard {
  constructor(
    private readonly index: IndexService,
    private readonly logger: Logger,
  ) {}

  /**
   * `empty` answers when there is no index (the build failed) or the handler threw; a handler that threw is logged
   * with the request name and its stack.
   */
  async run<T>(
    method: string,
    token: CancellationToken,
    empty: T,
    handler: (idx: WorkspaceIndex) => T | Promise<T>,
    options: RunOptions<T> = {},
  ): Promise<T | ResponseError<void>> {
    try {
      const waited = await Promise.race([options.partialOk ? this.index.readyOrPartial() : this.index.ready().then((idx) => ({ idx, partial: false })), whenCancelled(token)]);
      if (waited === 'cancelled' || token.isCancellationRequested) return cancelled();
      this.index.flushPendingEdits();
      let { idx } = waited;
      if (!idx) return empty;
      const started = performance.now();
      let result = await handler(idx);
      if (waited.partial && !options.partialOk!(result)) {
        // Not known yet from the priority files: answer from the full index when it is ready (progress is showing).
        this.logger.debug(`${method}: not in the early index; waiting for the full index`);
        const full = await Promise.race([this.index.ready(), whenCancelled(token)]);
        if (full === 'cancelled' || token.isCancellationRequested) return cancelled();
        if (!full) return empty;
        idx = full;
        result = await handler(idx);
      }
      if (this.logger.enabled('debug')) this.logger.debug(`${method}: ${(performance.now() - started).toFixed(1)} ms`);
      return token.isCancellationRequested ? cancelled() : result;
    } catch (err) {
      this.logger.error(`${method} failed: ${describeError(err)}`);
      return empty;
    }
  }
}
