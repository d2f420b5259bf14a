import { SymbolKind as LspKind } from 'vscode-languageserver';
import type { SymbolDef } from '../engine/index/types';
export declare function lspKind(def: SymbolDef): LspKind;
/** The index keeps paths relative to their tree root; LSP needs absolute ones. */
export declare function absolutePath(root: string, file: string): string;
