import type { Location, Position, Range } from 'vscode-languageserver';
import type { IndexQueries, Span } from '../engine/index/types';
export declare function uriToPath(uri: string): string | undefined;
export declare function pathToUri(file: string): string;
export declare function spanRange(s: Span): Range;
/** A range covering `length` characters from a point (call sites and references carry only their start). */
export declare function pointRange(line: number, col: number, length: number): Range;
export declare function location(file: string, range: Range): Location;
/** The C identifier touching `pos` in `text`, when the document text is at hand. */
export declare function wordAt(text: string, pos: Position): string | undefined;
/**
 * The name a request at `pos` is about: what the index saw there, else the identifier in the open document's text
 * (the index may not have the file: outside every tree, or skipped as bad input).
 */
export declare function nameAt(index: IndexQueries, file: string, pos: Position, text?: string): string | undefined;
