import type { Connection, DocumentSymbol } from 'vscode-languageserver';
import type { SymbolDef } from '../engine/index/types';
import type { RequestGuard } from './requestGuard';
/** Builds the outline from the flat list; a symbol goes under the innermost earlier symbol whose span holds it. */
export declare function computeDocumentSymbols(defs: SymbolDef[]): DocumentSymbol[];
export declare class DocumentSymbolsFeature {
    private readonly guard;
    constructor(guard: RequestGuard);
    register(connection: Connection): void;
}
