// A separate process for the concurrency test: indexes one tree into a cache folder and prints its snapshot as JSON.
// Usage: node --import tsx indexSnapshotChild.ts <tree> <cacheDir> [cacheLimitBytes]
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { indexSnapshot } from './indexSnapshot';

async function main(): Promise<void> {
  const [root, cacheDir, limit] = process.argv.slice(2);
  const idx = await WorkspaceIndex.build({ roots: [root], cacheDir, cacheLimitBytes: limit === undefined ? undefined : Number(limit), workers: 2 });
  const [stats] = idx.stats();
  process.stdout.write(JSON.stringify({ snapshot: indexSnapshot(idx, stats.root), fromCache: stats.fromCache, fromStore: stats.fromStore }));
  await idx.dispose();
}

void main();
