// Maps the index's C symbol kinds to LSP symbol kinds, and locates a symbol on disk.
import * as path from 'node:path';
import { SymbolKind as LspKind } from 'vscode-languageserver';
import type { SymbolDef } from '../engine/index/types';

export function lspKind(def: SymbolDef): LspKind {
  switch (def.kind) {
    case 'function':
    case 'prototype':
      return LspKind.Function;
    case 'macro':
      return def.isFunctionLike ? LspKind.Function : LspKind.Constant;
    case 'struct':
    case 'union':
      return LspKind.Struct;
    case 'enum':
      return LspKind.Enum;
    case 'typedef':
      return LspKind.Class;
    case 'variable':
      return LspKind.Variable;
    case 'enumerator':
      return LspKind.EnumMember;
    case 'field':
      return LspKind.Field;
  }
}

/** The index keeps paths relative to their tree root; LSP needs absolute ones. */
export function absolutePath(root: string, file: string): string {
  return path.isAbsolute(file) ? file : path.join(root, ...file.split('/'));
}
