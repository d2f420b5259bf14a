import { type CallHierarchyIncomingCall, type CallHierarchyItem, type CallHierarchyOutgoingCall, type Connection, type Position } from 'vscode-languageserver';
import type { IndexQueries } from '../engine/index/types';
import type { Documents } from './documents';
import type { RequestGuard } from './requestGuard';
export declare function computePrepare(index: IndexQueries, file: string, pos: Position, text?: string): CallHierarchyItem[];
export declare function computeIncoming(index: IndexQueries, item: CallHierarchyItem): CallHierarchyIncomingCall[];
export declare function computeOutgoing(index: IndexQueries, item: CallHierarchyItem): CallHierarchyOutgoingCall[];
export declare class CallHierarchyFeature {
    private readonly documents;
    private readonly guard;
    constructor(documents: Documents, guard: RequestGuard);
    register(connection: Connection): void;
}
