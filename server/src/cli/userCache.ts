// The CLI's folder under the user's cache directory ($XDG_CACHE_HOME or ~/.cache): its index cache and its compiled
// code live below it. Kept apart from cacheOptions.ts, which reaches the index engine: the command's entry loads this
// before the CLI bundle and must stay small.
import * as os from 'node:os';
import * as path from 'node:path';

export function userCacheHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'irqlens');
}
