// Reads the inline expectation markers of the index fixtures: `/*@def KIND NAME*/`, `/*@call CALLEE [via TABLE.FIELD]*/`
// and `/*@bind TARGET VIA*/`, each on the line where the symbol's name, the call or the binding is.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Markers {
  defs: Set<string>;
  calls: Set<string>;
  binds: Set<string>;
}

export function readMarkers(dir: string, files: string[]): Markers {
  const m: Markers = { defs: new Set(), calls: new Set(), binds: new Set() };
  for (const f of files) {
    const lines = fs.readFileSync(path.join(dir, f), 'latin1').split('\n');
    lines.forEach((text, i) => {
      for (const mk of text.matchAll(/\/\*@(def|call|bind) ([^*]+)\*\//g)) {
        const body = mk[2].trim();
        if (mk[1] === 'def') m.defs.add(`${f}:${i + 1} ${body}`);
        else if (mk[1] === 'call') m.calls.add(`${f}:${i + 1} ${body}`);
        else m.binds.add(`${f}:${i + 1} ${body}`);
      }
    });
  }
  return m;
}

/** Asserts set equality, listing what is missing and what is unexpected. */
export function diffSets(what: string, expected: Set<string>, actual: Set<string>): string[] {
  const out: string[] = [];
  for (const e of expected) if (!actual.has(e)) out.push(`${what} missing:    ${e}`);
  for (const a of actual) if (!expected.has(a)) out.push(`${what} unexpected: ${a}`);
  return out;
}
