import { type Connection, type Hover, type Position } from 'vscode-languageserver';
import type { IndexQueries } from '../engine/index/types';
import type { Documents } from './documents';
import type { RequestGuard } from './requestGuard';
export declare function computeHover(index: IndexQueries, file: string, pos: Position, text?: string): Hover | null;
export declare class HoverFeature {
    private readonly documents;
    private readonly guard;
    constructor(documents: Documents, guard: RequestGuard);
    register(connection: Connection): void;
}
