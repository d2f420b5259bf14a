// The one home of the parse trees of open documents: each edit re-parses incrementally from the kept tree
// (tree-sitter edit + reparse) and yields the file's new record; the text is what queries read while it is open.
import * as path from 'node:path';
import type Parser from 'tree-sitter';
import { extractSource } from './extract';
import type { FileRecord } from './fileRecord';
import { preprocess } from './preprocess';
import { textEditBetween } from './textEdit';

interface OpenDocument {
  tree: Parser.Tree;
  pre: ReturnType<typeof preprocess>;
  text: string;
}

export class DocumentTrees {
  private readonly open = new Map<string, OpenDocument>();

  /** The editor's text of an open document (absolute path). */
  textOf(abs: string): string | undefined {
    return this.open.get(abs)?.text;
  }

  isOpen(file: string): boolean {
    return this.open.has(path.resolve(file));
  }

  /**
   * Parses a document's new text, incrementally when it was open before, and returns its record.
   * `previous` is the record the index holds for the file (its size and mtime are kept for the cache).
   */
  update(file: string, rel: string, text: string, previous: FileRecord | undefined): FileRecord {
    const abs = path.resolve(file);
    const pre = preprocess(text);
    const old = this.open.get(abs);
    let oldTree: Parser.Tree | undefined;
    if (old) {
      old.tree.edit(textEditBetween(old.pre.text, pre.text));
      oldTree = old.tree;
    }
    const r = extractSource(text, rel, previous?.size ?? text.length, previous?.mtimeMs ?? 0, { keepTree: true, oldTree, preprocessed: pre });
    this.open.set(abs, { tree: r.tree!, pre, text });
    return r.record;
  }

  /** Forgets a closed document; true when it was open. */
  close(file: string): boolean {
    return this.open.delete(path.resolve(file));
  }

  clear(): void {
    this.open.clear();
  }
}
