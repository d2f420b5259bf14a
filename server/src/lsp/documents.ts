// The open documents (incremental sync) and their feed into the index: every open/change re-parses the file in the index,
// a close hands it back to the disk copy, and a newly built index gets every open editor's text replayed.
import { TextDocuments, type Connection } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { IndexService } from './indexService';
import type { Logger } from './logger';
import { uriToPath } from './positions';

/** Only C sources and headers go to the index; other languages may be open in the same editor. */
const indexable = /\.[ch]$/i;
/**
 * Documents larger than this are re-parsed only after a pause in typing (a 5 MB file takes ~0.6 s to parse); a request
 * parses the pending edit first, so answers never lag behind the text.
 */
const largeDocumentChars = 256 * 1024;
/** The pause before a held-back edit is parsed anyway: longer for larger documents (their parse costs more). */
const debounceMs = (chars: number) => Math.min(2000, 400 + Math.round(chars / 5000));

export class Documents {
  private readonly docs = new TextDocuments(TextDocument);
  /** Files already reported as binary, so the log says it once per file, not once per keystroke. */
  private readonly reportedBinary = new Set<string>();
  /** Large documents with an edit not yet parsed, and the timer that will parse it. */
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly index: IndexService,
    private readonly logger: Logger,
  ) {
    this.docs.onDidOpen((e) => this.feed(e.document));
    this.docs.onDidChangeContent((e) => this.changed(e.document));
    this.docs.onDidClose((e) => this.close(e.document));
    this.index.onReady(() => {
      for (const d of this.docs.all()) this.feed(d);
    });
    this.index.setPendingEdits(() => this.flushPending());
    this.index.setOpenDocuments(() =>
      this.docs
        .all()
        .map((d) => ({ file: uriToPath(d.uri), text: d.getText() }))
        .filter((d): d is { file: string; text: string } => d.file !== undefined && indexable.test(d.file)),
    );
  }

  /** Every opened or changed document, whatever its language (patch review reads .patch/.diff/.mbox documents). */
  onDidChangeContent(listener: (doc: TextDocument) => void): void {
    this.docs.onDidChangeContent((e) => listener(e.document));
  }

  onDidClose(listener: (doc: TextDocument) => void): void {
    this.docs.onDidClose((e) => listener(e.document));
  }

  /** Starts listening for textDocument/did* on the connection. */
  listen(connection: Connection): void {
    this.docs.listen(connection);
  }

  get(uri: string): TextDocument | undefined {
    return this.docs.get(uri);
  }

  /** The open document's text, if the file is open. */
  text(uri: string): string | undefined {
    return this.docs.get(uri)?.getText();
  }

  isOpen(uri: string): boolean {
    return this.docs.get(uri) !== undefined;
  }

  /** Parses every edit not yet parsed (before a request reads the index). */
  flushPending(): void {
    for (const [uri, timer] of [...this.pending]) {
      clearTimeout(timer);
      this.pending.delete(uri);
      const doc = this.docs.get(uri);
      if (doc) this.feed(doc);
    }
  }

  private changed(doc: TextDocument): void {
    if (doc.getText().length < largeDocumentChars) {
      this.feed(doc);
      return;
    }
    clearTimeout(this.pending.get(doc.uri));
    this.pending.set(
      doc.uri,
      setTimeout(() => {
        this.pending.delete(doc.uri);
        const current = this.docs.get(doc.uri);
        if (current) this.feed(current);
      }, debounceMs(doc.getText().length)),
    );
  }

  private feed(doc: TextDocument): void {
    const file = uriToPath(doc.uri);
    if (!file || !indexable.test(file)) return;
    const text = doc.getText();
    // A NUL byte never occurs in C source: the "C file" is binary (an object file renamed, a corrupted checkout).
    if (text.includes('\u0000')) {
      if (!this.reportedBinary.has(file)) this.logger.warn(`${file}: binary content (NUL bytes) in an open document; not indexed`);
      this.reportedBinary.add(file);
      return;
    }
    this.reportedBinary.delete(file);
    const idx = this.index.current;
    if (!idx || !this.index.covers(file)) return; // replayed when the index is ready
    try {
      idx.updateDocument(file, text);
      if (text.length >= largeDocumentChars) this.logger.debug(`${file}: parsed the open document (${text.length} characters)`);
    } catch (err) {
      this.logger.error(`${file}: updating the index from the open document failed`, err);
    }
  }

  private close(doc: TextDocument): void {
    clearTimeout(this.pending.get(doc.uri));
    this.pending.delete(doc.uri);
    const file = uriToPath(doc.uri);
    if (!file || !indexable.test(file)) return;
    this.reportedBinary.delete(file);
    this.index.closeDocument(file);
  }
}
