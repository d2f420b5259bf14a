// Finds the installed package's root (where models/scenarios ships), from a bundle in out/ or from sources under tsx.
import * as fs from 'node:fs';
import * as path from 'node:path';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'irqlens') return (root = dir);
      } catch {
        // Not ours or unreadable: keep walking up.
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the irqlens package root above ${__dirname}`);
    dir = up;
  }
}

export function builtinScenarioDir(): string {
  return path.join(packageRoot(), 'models', 'scenarios');
}
