// Finds assembly entry points (labels, ENTRY(), SYM_*_START()) in .S files: some interrupt-path steps are
// implemented in assembly (Xen's test_all_events, Linux's xen_asm_exc_xen_hypervisor_callback), which the C index does not hold.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AsmLabel {
  file: string;
  line: number;
}

const SKIP = new Set(['.git', 'node_modules', 'Documentation', 'tools', 'out', 'build']);

function labelPattern(name: string): RegExp {
  const n = name.replace(/[$]/g, '\\$');
  // `name:` at line start, or a definition macro naming it: ENTRY(name), SYM_CODE_START(name), SYM_FUNC_START_LOCAL(name), GLOBAL(name) …
  return new RegExp(`^(?:\\s*${n}:|\\s*(?:[A-Z_]*ENTRY|SYM_[A-Z_]*START[A-Z_]*|GLOBAL|FUNC|LABEL|FUNCTION)\\s*\\(\\s*${n}\\s*[,)])`, 'm');
}

/**
 * Walking a tree's arch folders takes a second on Linux, and the flows view asks for every link: remember each answer.
 * A remembered hit is re-checked in its one file (assembly is edited rarely, but it is).
 */
const remembered = new Map<string, AsmLabel | null>();

export function findAsmLabel(root: string, name: string, hint?: string): AsmLabel | undefined {
  const key = `${root}\0${name}\0${hint ?? ''}`;
  const known = remembered.get(key);
  if (known === null) return undefined;
  if (known) {
    const recheck = searchAsmLabel(root, name, path.relative(root, known.file), false);
    if (recheck) return recheck;
  }
  const found = searchAsmLabel(root, name, hint, true);
  remembered.set(key, found ?? null);
  return found;
}

/** Search `hint` first, then (with `walk`) every .S/.s file below the tree's arch folders (or the whole tree if none). */
function searchAsmLabel(root: string, name: string, hint: string | undefined, walk: boolean): AsmLabel | undefined {
  const re = labelPattern(name);
  const tryFile = (abs: string): AsmLabel | undefined => {
    let text: string;
    try {
      text = fs.readFileSync(abs, 'latin1');
    } catch {
      return undefined;
    }
    const m = re.exec(text);
    if (!m) return undefined;
    const line = text.slice(0, m.index + m[0].search(/\S/)).split('\n').length - 1;
    return { file: abs, line };
  };
  if (hint) {
    const hit = tryFile(path.join(root, hint));
    if (hit) return hit;
  }
  if (!walk) return undefined;
  const starts = ['arch', 'xen/arch'].map((p) => path.join(root, p)).filter((p) => fs.existsSync(p));
  const stack = starts.length > 0 ? starts : [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) stack.push(path.join(dir, e.name));
      } else if (e.isFile() && /\.[sS]$/.test(e.name)) {
        const hit = tryFile(path.join(dir, e.name));
        if (hit) return hit;
      }
    }
  }
  return undefined;
}
