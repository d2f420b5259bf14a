// The status bar's one-line summary of the indexed trees. A folder that is none of Xen, QEMU or Linux is named by its
// folder (it is still indexed); one without C files (a scenarios folder, docs) is left out: "unknown" said nothing.
import type { TreeStatus } from '../../server/src/protocol/customMessages';
import type { LinkCoverage } from '../../server/src/protocol/flowMessages';

/** `xen 4.17.5 39/40, linux 6.1 21/21, mydriver`: codebase, version and model links resolved, per tree. */
export function statusSummary(trees: readonly TreeStatus[], links: readonly LinkCoverage[]): string {
  const parts: string[] = [];
  for (const t of trees) {
    if (t.codebase === 'unknown') {
      if (t.files > 0) parts.push(folderName(t.root));
      continue;
    }
    const own = links.filter((l) => l.root === t.root && l.codebase === t.codebase);
    const count = own.length ? ` ${own.reduce((a, l) => a + l.resolved, 0)}/${own.reduce((a, l) => a + l.total, 0)}` : '';
    parts.push(`${t.codebase}${t.version ? ' ' + t.version : ''}${count}`);
  }
  return parts.join(', ');
}

/** The tooltip's codebase cell. */
export function codebaseCell(t: TreeStatus): string {
  if (t.codebase !== 'unknown') return `${t.codebase} ${t.version ?? ''}`.trim();
  return t.files > 0 ? 'C tree (not Xen, QEMU or Linux)' : 'no C files';
}

function folderName(root: string): string {
  const trimmed = root.replace(/[\\/]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1) || trimmed;
}
