import type { Connection, Location, Position } from 'vscode-languageserver';
import type { IndexQueries } from '../engine/index/types';
import type { Documents } from './documents';
import type { RequestGuard } from './requestGuard';
export declare function computeDeclaration(index: IndexQueries, file: string, pos: Position, text?: string): Location[];
export declare class DeclarationFeature {
    private readonly documents;
    private readonly guard;
    constructor(documents: Documents, guard: RequestGuard);
    register(connection: Connection): void;
}
