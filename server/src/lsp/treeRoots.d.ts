/** True when `dir` is the top of a Xen, QEMU or Linux tree (the engine's detector: one definition of the markers). */
export declare function isTreeRoot(dir: string): boolean;
/**
 * The tree roots for one workspace folder. `configured` (the `irqlens.trees` setting) wins when it is set; its entries
 * are relative to the folder or absolute, and only those that exist are kept.
 */
export declare function treeRootsOf(folder: string, configured: string[]): Promise<{
    roots: string[];
    missing: string[];
}>;
