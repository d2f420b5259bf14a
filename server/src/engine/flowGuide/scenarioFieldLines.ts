// Finds the line of a scenario field (`actions[1].with`, `set.lapic.0.isr`) in the file's JSON text, so a validation
// error can point at it. Lines are 0-based, as in LSP.
// The ESM build: esbuild cannot bundle the package's UMD main (it requires './impl/format' at run time).
import { findNodeAtLocation, parseTree, type Node, type ParseError, printParseErrorCode } from 'jsonc-parser/lib/esm/main.js';

function lineAt(text: string, offset: number): number {
  let line = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `actions[1].with.vcpu` → ['actions', 1, 'with', 'vcpu']; `set.a.b` → ['set', 'a.b'] (set keys are dotted paths). */
export function fieldSegments(field: string): (string | number)[] {
  if (field === '(root)' || field === '') return [];
  const set = /^set\.(.+)$/.exec(field);
  if (set) return ['set', set[1]];
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return out.concat(part);
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export interface ParsedScenarioText {
  value?: unknown;
  /** The first syntax error, with its line. */
  syntaxError?: { message: string; line: number };
  root?: Node;
}

export function parseScenarioText(text: string): ParsedScenarioText {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0) {
    const e = errors[0];
    return { syntaxError: { message: `not valid JSON: ${printParseErrorCode(e.error)} at line ${lineAt(text, e.offset) + 1}`, line: lineAt(text, e.offset) } };
  }
  return { value: JSON.parse(text) as unknown, root };
}

/** The line of the deepest part of `field` the text has (a missing field points at its parent object). */
export function fieldLine(text: string, root: Node | undefined, field: string): number | undefined {
  if (!root) return undefined;
  const segs = fieldSegments(field);
  for (let n = segs.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, segs.slice(0, n));
    if (node) return lineAt(text, node.parent?.type === 'property' ? node.parent.offset : node.offset);
  }
  return undefined;
}
