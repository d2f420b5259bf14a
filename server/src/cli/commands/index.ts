// `irqlens index <tree>...`: index trees (cold or from the cache) and report per tree what was found and skipped.
import { Command } from 'commander';
import { type IndexCliOptions, openIndex, withIndexOptions } from '../indexOptions';
import { saveReviewSlices } from '../reviewIndex';

export function register(program: Command): void {
  withIndexOptions(program.command('index').description('index one or more source trees and report files, functions, calls and skipped files'))
    .argument('<tree...>', 'source trees (Xen, QEMU, Linux or any C tree)')
    .option('--json', 'machine-readable output')
    .action(async (trees: string[], opts: IndexCliOptions & { json?: boolean }) => {
      const index = await openIndex(trees, opts);
      // The linked files' records are in memory now: `irqlens review` reads them from this small cache.
      saveReviewSlices(index, opts);
      const stats = index.stats();
      await index.dispose();
      if (opts.json) {
        process.stdout.write(JSON.stringify(stats, null, 2) + '\n');
        return;
      }
      for (const s of stats) {
        process.stdout.write(
          `${s.root}\n  codebase: ${s.codebase}${s.version ? ` ${s.version}` : ''}\n  files: ${s.files} (${s.fromCache} from cache, ${s.fromStore} by content)\n` +
            `  functions: ${s.functions}\n  calls: ${s.calls}\n  skipped: ${s.skipped.length}\n  seconds: ${s.seconds.toFixed(2)}\n`,
        );
        for (const k of s.skipped.slice(0, 50)) process.stdout.write(`    ${k.file}: ${k.reason}\n`);
        if (s.skipped.length > 50) process.stdout.write(`    … ${s.skipped.length - 50} more (use --json)\n`);
      }
      const cache = stats[0]?.cache;
      if (cache) {
        const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
        process.stdout.write(
          `cache: ${cache.dir}\n  size: ${mb(cache.bytes)} of ${mb(cache.limitBytes)} (${cache.entries} entries)\n` +
            `  evicted: ${cache.evicted} least recently used (${mb(cache.evictedBytes)})\n`,
        );
      }
    });
}
