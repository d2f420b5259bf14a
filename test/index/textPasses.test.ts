// The text passes rewritten for speed give what their straightforward forms gave: the lexer's identifiers what the
// regular expression it replaced found, ParenPairs' forward scans what its stack pass pairs, the source decoder what a
// fatal TextDecoder returned. Random texts over an alphabet of the characters the scanners treat specially.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DirectiveLines, ParenPairs } from '../../server/src/engine/index/cScan';
import { extractDefinesOnly, extractGeneratedHeader } from '../../server/src/engine/index/definesOnly';
import { allDefines, defineKey, definesNamed } from '../../server/src/engine/index/defineTable';
import type { SymbolDef } from '../../server/src/engine/index/types';
import { decodeSource } from '../../server/src/engine/index/sourceText';
import { C_KEYWORDS, forEachIdentifier, identifierHash, identifierHashes } from '../../server/src/engine/index/lexer';

/** The regular expression the lexer used before its hand-written scanner: comments, literals, identifiers, numbers. */
const OLD_TOKEN = /\/\*[\s\S]*?(?:\*\/|$)|\/\/(?:[^\n\\]|\\[\s\S])*|"(?:[^"\\\n]|\\[\s\S])*"?|'(?:[^'\\\n]|\\[\s\S])*'?|[A-Za-z_][A-Za-z0-9_]*|[0-9][A-Za-z0-9_.]*/g;

function regexIdentifiers(text: string): string[] {
  const out: string[] = [];
  OLD_TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = OLD_TOKEN.exec(text))) if (/^[A-Za-z_]/.test(m[0])) out.push(`${m[0]}@${m.index}`);
  return out;
}

/** A small seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

function randomText(next: () => number, alphabet: string[], maxLen: number): string {
  let s = '';
  const len = 1 + Math.floor(next() * maxLen);
  for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

void test('the lexer finds the identifiers the regular expression found, comments and literals skipped', () => {
  const next = random(1);
  const alphabet = ['a', 'b', 'if', '_', '1', '.', '/', '*', '\\', '\n', '\r', '"', "'", ' ', '$', 'é', '#', 'e+'];
  for (let n = 0; n < 20000; n++) {
    const text = randomText(next, alphabet, 40);
    const found: string[] = [];
    forEachIdentifier(text, (name, at) => found.push(`${name}@${at}`));
    assert.deepEqual(found, regexIdentifiers(text), JSON.stringify(text));
  }
  // Backslashes before a line comment's newline: an odd run continues the comment, an even one ends it.
  const names = (t: string) => {
    const found: string[] = [];
    forEachIdentifier(t, (name) => found.push(name));
    return found;
  };
  assert.deepEqual(names('// a \\\nb\nc'), ['c']);
  assert.deepEqual(names('// a \\\\\nb\nc'), ['b', 'c']);
  assert.deepEqual(names('// a \\\\\\\nb\nc'), ['c']);
});

void test('identifier hashes: each hash of the identifiers once, keywords left out, sorted, as identifierHash gives them', () => {
  const next = random(4);
  const words = ['x', 'y', 'xy', 'yx', 'int', 'for', 'struct', 'foo_bar', 'foo_baz', 'a1', 'NULL', '/*c*/', ' ', '\n', '"s"', '(', ')'];
  for (let n = 0; n < 5000; n++) {
    const text = randomText(next, words, 200);
    // The reference: the regular expression's identifiers, keywords left out, hashed, each hash once.
    const names = regexIdentifiers(text).map((s) => s.slice(0, s.lastIndexOf('@'))).filter((w) => !C_KEYWORDS.has(w));
    const expected = Int32Array.from(new Set(names.map(identifierHash))).sort();
    assert.deepEqual([...identifierHashes(text)], [...expected], JSON.stringify(text));
  }
  // Names of one hash ('Aa' and 'BB' under the polynomial) are one entry; a name sharing a keyword's hash ('jOt' and
  // 'int') is kept, the keyword itself is not, in either order.
  assert.equal(identifierHash('Aa'), identifierHash('BB'));
  assert.deepEqual([...identifierHashes('Aa BB Aa')], [identifierHash('Aa')]);
  assert.equal(identifierHash('jOt'), identifierHash('int'));
  assert.deepEqual([...identifierHashes('int int')], []);
  assert.deepEqual([...identifierHashes('int jOt int')], [identifierHash('jOt')]);
  assert.deepEqual([...identifierHashes('jOt int')], [identifierHash('jOt')]);
  // Many distinct names, each met twice: the table grows past its first size and keeps each once.
  const many = Array.from({ length: 5000 }, (_, i) => `name${i}`);
  assert.deepEqual([...identifierHashes(many.join(' ') + ' ' + many.join(' '))], [...Int32Array.from(many, identifierHash).sort()]);
  assert.deepEqual([...identifierHashes('struct int for while')], []);
});

void test('ParenPairs gives the closer the stack pass pairs, before and after it builds its table', () => {
  const next = random(3);
  for (let n = 0; n < 3000; n++) {
    const text = randomText(next, ['(', ')', 'a', ' '], 60);
    // The reference: every pair from one stack pass.
    const pairs = new Map<number, number>();
    const stack: number[] = [];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '(') stack.push(i);
      else if (text[i] === ')' && stack.length) pairs.set(stack.pop()!, i + 1);
    }
    const p = new ParenPairs(text);
    // Asked for every position twice: the first asks scan forward, later ones read the table.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < text.length; i++) {
        for (const span of [Infinity, 5]) {
          const close = pairs.get(i) ?? -1;
          const want = close >= 0 && close - i <= span ? close : -1;
          assert.equal(p.closeAfter(i, span), want, `${JSON.stringify(text)} at ${i} span ${span}`);
        }
      }
    }
  }
});

void test('DirectiveLines says what a pass over every logical line says, offsets asked in order or not', () => {
  const next = random(5);
  for (let n = 0; n < 5000; n++) {
    const text = randomText(next, ['#', '\\', '\n', '\r', ' ', '\t', 'a'], 50);
    // The reference: logical lines from the start, each running through newlines a backslash (or backslash and
    // carriage return) escapes.
    const on: boolean[] = [];
    for (let i = 0; i < text.length; ) {
      let end = i;
      for (;;) {
        const nl = text.indexOf('\n', end);
        if (nl < 0) {
          end = text.length;
          break;
        }
        end = nl + 1;
        if (!(text[nl - 1] === '\\' || (text[nl - 1] === '\r' && text[nl - 2] === '\\'))) break;
      }
      const first = /^[ \t]*/.exec(text.slice(i))![0].length + i;
      for (let k = i; k < end; k++) on[k] = first < end && text[first] === '#';
      i = end;
    }
    const inOrder = new DirectiveLines(text);
    for (let i = 0; i < text.length; i++) assert.equal(inOrder.has(i), on[i], `${JSON.stringify(text)} at ${i}`);
    const anyOrder = new DirectiveLines(text);
    for (let k = 0; k < text.length; k++) {
      const i = Math.floor(next() * text.length);
      assert.equal(anyOrder.has(i), on[i], `${JSON.stringify(text)} at ${i}`);
    }
  }
});

void test("the #define line scan finds the names, counts and positions the regular expressions found", () => {
  const next = random(6);
  const head = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_$][\w$]*)(\()?/gm;
  for (let n = 0; n < 5000; n++) {
    const text = randomText(next, ['#', 'define', 'def', ' ', '\t', '\n', '\r', 'A', 'b1', '$', '(', '\u00a0', '\f', 'x'], 40);
    const want: string[] = [];
    head.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = head.exec(text))) {
      const at = m.index + m[0].length - m[1].length - (m[2] ? 1 : 0);
      const line = text.slice(0, at).split('\n').length - 1;
      const col = at - (text.lastIndexOf('\n', at - 1) + 1);
      want.push(`${m[1]}@${line}:${col}${m[2] ? '(' : ''}`);
    }
    const r = extractDefinesOnly(text, 'f.h', text.length, 0, 'p');
    // The macros are kept by name hash (defineTable.ts): listed with names read back from the text, and each found by
    // its name at its own position.
    assert.equal(r.syms.length, 0);
    const show = (d: SymbolDef) => `${d.name}@${d.nameSpan.line}:${d.nameSpan.col}${d.isFunctionLike ? '(' : ''}`;
    assert.deepEqual(allDefines(r, text).map(show), want, JSON.stringify(text));
    for (const name of new Set(want.map((w) => w.slice(0, w.indexOf('@'))))) {
      assert.deepEqual(definesNamed(r, defineKey(name)).map(show), want.filter((w) => w.startsWith(`${name}@`)), JSON.stringify(text));
    }
    // The share of non-blank lines that are #define lines decides whether a header is read this way.
    const lines = text.match(/^[ \t]*\S/gm)?.length ?? 0;
    const defines = text.match(/^[ \t]*#[ \t]*define\b/gm)?.length ?? 0;
    const taken = extractGeneratedHeader(text, 'f.h', text.length, 0, 0.6, (d, l) => `${d}/${l}`);
    assert.equal(taken?.problem, lines > 0 && defines / lines >= 0.6 ? `${defines}/${lines}` : undefined, JSON.stringify(text));
  }
});

void test('the source decoder gives what a fatal TextDecoder gave, undefined where it threw', () => {
  const samples = [
    Buffer.from('int x;\n'),
    Buffer.from(''),
    Buffer.from('/* é */ int y;\n'),
    Buffer.from([0xef, 0xbb, 0xbf, 0x69, 0x6e, 0x74]),
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from([0x2f, 0x2a, 0xe9, 0x2a, 0x2f]),
    Buffer.from([0xc3]),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from('\u{1F600} smile'),
  ];
  for (const buf of samples) {
    let want: string | undefined;
    try {
      want = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      want = undefined;
    }
    assert.equal(decodeSource(buf), want, buf.toString('hex'));
  }
});
