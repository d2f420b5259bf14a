// `$/progress` for indexing: a server-initiated work-done progress (window/workDoneProgress/create) with file counts,
// throttled so a 70,000-file tree does not flood the client; the final count is always sent.
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver';
import type { IndexProgress } from '../engine/index/types';
import type { Logger } from './logger';

/** Reports at most this often; the protocol does not need more and VS Code repaints on each one. */
const reportIntervalMs = 200;

export class IndexingProgress {
  private reporter: WorkDoneProgressServerReporter | undefined;
  private readonly perTree = new Map<string, { done: number; total: number }>();
  private lastReport = 0;
  private finished = false;

  constructor(
    private readonly connection: Connection,
    private readonly supported: boolean,
    private readonly logger: Logger,
    /** Called with the summed counts on every (throttled) report, for the status notification. */
    private readonly onCounts: (done: number, total: number) => void,
  ) {}

  async begin(trees: number): Promise<void> {
    if (!this.supported) return;
    try {
      const reporter = await this.connection.window.createWorkDoneProgress();
      if (this.finished) {
        reporter.done();
        return;
      }
      this.reporter = reporter;
      reporter.begin('IRQ Lens: indexing', 0, `${trees} tree${trees === 1 ? '' : 's'}`, false);
    } catch (err) {
      // The client refused the token: indexing goes on without a progress bar.
      this.logger.debug(`work-done progress unavailable: ${String(err)}`);
    }
  }

  /** Engine callback: counts for one tree. */
  update(p: IndexProgress): void {
    this.perTree.set(p.tree, { done: p.done, total: p.total });
    const now = Date.now();
    if (now - this.lastReport < reportIntervalMs && p.done < p.total) return;
    this.lastReport = now;
    this.send();
  }

  /** Sends the final counts (`files`: what the index holds, when the engine reported no counts) and closes the progress. */
  done(files?: number): void {
    if (this.finished) return;
    this.finished = true;
    if (this.perTree.size === 0 && files !== undefined) this.perTree.set('', { done: files, total: files });
    if (this.perTree.size > 0) this.send();
    this.reporter?.done();
    this.reporter = undefined;
  }

  private send(): void {
    let done = 0;
    let total = 0;
    for (const c of this.perTree.values()) {
      done += c.done;
      total += c.total;
    }
    this.reporter?.report(total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 0, `${done}/${total} files`);
    this.onCounts(done, total);
  }
}
