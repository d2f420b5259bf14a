// Workspace-symbol search: exact and prefix matches by binary search over the sorted names, then substrings and
// abbreviations (`hanedgirq` → handle_edge_irq) while a time budget lasts, so a Linux-sized index answers within ~20 ms.
import type { Definitions, RootedSymbol } from './definitionQueries';
import type { IndexedTrees } from './indexedTrees';
import { charMask, type TreeIndex } from './treeIndex';
import type { SearchQueries } from './types';

export class SymbolSearch implements SearchQueries {
  constructor(
    private readonly trees: IndexedTrees,
    private readonly defs: Definitions,
  ) {}

  searchSymbols(query: string, limit: number): RootedSymbol[] {
    const q = query.toLowerCase();
    // A time budget keeps workspace-symbol requests interactive on Linux: prefix matches always come first and are
    // found by binary search; substring and fuzzy matches fill up the rest while the budget lasts.
    const deadline = performance.now() + 8;
    const scored: { score: number; t: TreeIndex; id: number; len: number }[] = [];
    for (const t of this.trees.list) {
      const { nameCount, nameIds, joined, joinedStarts, nameMasks } = t.queryMaps();
      const seen = new Set<number>();
      const take = (i: number, score: number, len: number) => {
        if (seen.has(i)) return;
        seen.add(i);
        scored.push({ score, t, id: nameIds[i], len });
      };
      let lo = 0;
      let hi = nameCount;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t.searchName(mid) < q) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < nameCount && seen.size < limit * 4; i++) {
        const n = t.searchName(i);
        if (!n.startsWith(q)) break;
        const exact = t.strings[nameIds[i]];
        take(i, exact === query ? 0 : n === q ? 0.5 : exact.startsWith(query) ? 1 : 1.5, n.length);
      }
      const nameAt = (off: number) => {
        let a = 0;
        let b = nameCount - 1;
        while (a < b) {
          const mid = (a + b + 1) >> 1;
          if (joinedStarts[mid] <= off) a = mid;
          else b = mid - 1;
        }
        return a;
      };
      // Substrings: the native string search over all names at once.
      // Scanned in 1 MB chunks (a bounded slice) so the budget is checked even when nothing matches.
      const substringDeadline = performance.now() + 5;
      if (q && !q.includes('\n') && seen.size < limit * 4) {
        const CHUNK = 1 << 20;
        scan: for (let base = 0; base < joined.length && performance.now() < substringDeadline; base += CHUNK) {
          const chunk = joined.slice(base, Math.min(joined.length, base + CHUNK + q.length - 1));
          for (let at = chunk.indexOf(q); at >= 0; at = chunk.indexOf(q, at + 1)) {
            const off = base + at;
            const i = nameAt(off);
            const n = t.searchName(i);
            take(i, off === joinedStarts[i] ? 1 : n[off - joinedStarts[i] - 1] === '_' ? 2 : 3, n.length);
            if (seen.size >= limit * 4) break scan;
          }
        }
      }
      // Fuzzy: the query's characters in order, among the names starting with its first character.
      if (q.length > 1 && seen.size < limit) {
        let a = 0;
        let z = nameCount;
        while (a < z) {
          const mid = (a + z) >> 1;
          if (t.searchName(mid) < q[0]) a = mid + 1;
          else z = mid;
        }
        // The names starting with q[0] are one contiguous block; in it, a name lacking one of the query's characters
        // is passed over by its character mask, and the others are read for the subsequence.
        let zEnd = a;
        let hiEnd = nameCount;
        while (zEnd < hiEnd) {
          const mid = (zEnd + hiEnd) >> 1;
          if (joined.charCodeAt(joinedStarts[mid]) <= q.charCodeAt(0)) zEnd = mid + 1;
          else hiEnd = mid;
        }
        // Its own budget: the substring scan above may have used all of the shared one, and abbreviations
        // (`hanedgirq` → handle_edge_irq) only ever match here.
        const fuzzyDeadline = Math.max(deadline, performance.now() + 6);
        const want = charMask(q);
        for (let i = a; i < zEnd && seen.size < limit * 2; i++) {
          if ((nameMasks[i] & want) !== want) continue;
          const n = t.searchName(i);
          if (fuzzyMatch(n, q)) take(i, 4, n.length);
          if ((i & 4095) === 0 && performance.now() > fuzzyDeadline) break;
        }
      }
    }
    // Names first defined in files changed after the search list was built (an edited document, a new file on disk).
    for (const t of this.trees.list) {
      const listed = new Set(scored.filter((s) => s.t === t).map((s) => s.id));
      for (const id of t.dirtySymbolIds()) {
        if (listed.has(id)) continue;
        const name = t.strings[id];
        const n = name.toLowerCase();
        const score = name === query ? 0 : n === q ? 0.5 : n.startsWith(q) ? 1.5 : n.includes(q) ? 3 : fuzzyMatch(n, q) ? 4 : -1;
        if (score >= 0) scored.push({ score, t, id, len: n.length });
      }
    }
    scored.sort((a, b) => a.score - b.score || a.len - b.len);
    const out: RootedSymbol[] = [];
    for (const s of scored) {
      for (const [f, e] of s.t.lookup('symByName', s.id)) {
        if (out.length >= limit) break;
        const d = this.defs.symbol(s.t, s.t.files[f]!, e);
        if (d.kind !== 'enumerator' || s.score === 0) out.push(d);
      }
      if (out.length >= limit) break;
    }
    return out;
  }
}

/** The query's characters appear in order in the name (both lower case). */
function fuzzyMatch(name: string, q: string): boolean {
  let k = 0;
  for (let j = 0; j < name.length && k < q.length; j++) if (name.charCodeAt(j) === q.charCodeAt(k)) k++;
  return k === q.length;
}
