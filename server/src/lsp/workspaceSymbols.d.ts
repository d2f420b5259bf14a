import type { Connection, SymbolInformation } from 'vscode-languageserver';
import type { IndexQueries } from '../engine/index/types';
import type { RequestGuard } from './requestGuard';
/** VS Code shows a few hundred at most and re-asks as the user types. */
export declare const workspaceSymbolLimit = 256;
export declare function computeWorkspaceSymbols(index: IndexQueries, query: string, limit?: number): SymbolInformation[];
export declare class WorkspaceSymbolsFeature {
    private readonly guard;
    constructor(guard: RequestGuard);
    register(connection: Connection): void;
}
