// The C parser and the extraction query, one of each per thread, and a parse bounded in time.
import * as fs from 'node:fs';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';

let parser: Parser | undefined;
let query: Parser.Query | undefined;

function loadQueryText(): string {
  // .scm files are text: esbuild inlines them (loader '.scm': 'text'); from TypeScript sources (tsx) they are read
  // from disk through a require hook.
  const req = require as NodeJS.Require;
  if (!req.extensions['.scm']) {
    req.extensions['.scm'] = (m, filename) => {
      m.exports = fs.readFileSync(filename, 'utf8');
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('./queries/cExtract.scm') as string | { default: string };
  return typeof mod === 'string' ? mod : mod.default;
}

export function cParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as unknown as Parser.Language);
  }
  return parser;
}

export function extractQuery(): Parser.Query {
  query ??= new Parser.Query(C as unknown as Parser.Language, loadQueryText());
  return query;
}

/** Parses with a time limit; undefined when the parser gave up (its state is reset for the next file). */
export function parseWithin(text: string, oldTree: Parser.Tree | undefined, budgetMs: number): Parser.Tree | undefined {
  const p = cParser();
  p.setTimeoutMicros(budgetMs * 1000);
  try {
    const tree = p.parse(text, oldTree) as Parser.Tree | null;
    if (tree) return tree;
  } catch {
    // A halted parse may throw instead of returning null, depending on the binding.
  } finally {
    p.setTimeoutMicros(0);
  }
  p.reset();
  return undefined;
}
