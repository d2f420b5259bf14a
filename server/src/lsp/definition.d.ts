import type { Connection, Location, Position } from 'vscode-languageserver';
import type { IndexQueries, SymbolDef } from '../engine/index/types';
import type { Documents } from './documents';
import type { RequestGuard } from './requestGuard';
type RootedDef = SymbolDef & {
    root: string;
};
/** C linkage: a static definition in the requesting file is the one the name means there. */
export declare function preferLocal(defs: RootedDef[], file: string): RootedDef[];
export declare function computeDefinition(index: IndexQueries, file: string, pos: Position, text?: string): Location[];
export declare class DefinitionFeature {
    private readonly documents;
    private readonly guard;
    constructor(documents: Documents, guard: RequestGuard);
    register(connection: Connection): void;
}
export {};
