// How the parse pool cuts a build's files into batches: at most `maxFiles` files and, past the first file, at most
// `maxBytes` of source. Files come largest first, so a count alone put Linux's 64 largest headers (312 MB of
// generated register definitions) in the first batch: one worker held all their records and content-store entries
// at once (the build's peak RSS, 1.5 GB) while the other had little to do.

export interface Batch {
  /** Index of the batch's first file in the build's list. */
  start: number;
  /** One past its last file. */
  end: number;
}

/** Consecutive batches covering `sizes` (bytes per file, in build order) exactly once, in order. */
export function planBatches(sizes: readonly number[], maxFiles: number, maxBytes: number): Batch[] {
  const out: Batch[] = [];
  const perBatch = Math.max(1, Math.floor(maxFiles));
  let start = 0;
  while (start < sizes.length) {
    let end = start + 1;
    let bytes = sizes[start];
    while (end < sizes.length && end - start < perBatch && bytes + sizes[end] <= maxBytes) bytes += sizes[end++];
    out.push({ start, end });
    start = end;
  }
  return out;
}
