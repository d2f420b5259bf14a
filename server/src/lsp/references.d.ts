import type { Connection, Location, Position } from 'vscode-languageserver';
import type { IndexQueries } from '../engine/index/types';
import type { Documents } from './documents';
import type { RequestGuard } from './requestGuard';
export declare function computeReferences(index: IndexQueries, file: string, pos: Position, includeDeclaration: boolean, text?: string): Location[];
export declare class ReferencesFeature {
    private readonly documents;
    private readonly guard;
    constructor(documents: Documents, guard: RequestGuard);
    register(connection: Connection): void;
}
