/** The include directive on a line of text, if any: `quoted` for the `"…"` form. */
export declare function parseInclude(line: string): {
    spec: string;
    quoted: boolean;
} | undefined;
export declare function resolveInclude(root: string, fromFile: string, spec: string, quoted: boolean): string | undefined;
