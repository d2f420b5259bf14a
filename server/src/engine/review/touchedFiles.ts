// The tree files a series touches, found before reviewing it: what a caller that loads only part of an index (the
// CLI) needs to know to pick the files worth loading. Paths are placed in the trees the way the review places them.

import type { TreeInfo } from '../index/types';
import { parseMailDiff } from './diffFiles';
import { PatchMail } from './mailSplit';
import { TreeFiles } from './treeFiles';

/** Absolute paths of the files the mails change that a given tree holds (renamed files by both names). */
export function touchedTreeFiles(mails: readonly PatchMail[], trees: readonly TreeInfo[]): string[] {
  const files = new TreeFiles([], trees);
  const out = new Set<string>();
  for (const mail of mails) {
    for (const { change } of parseMailDiff(mail.text).files) {
      for (const p of [change.oldPath, change.path]) {
        const at = p === undefined ? undefined : files.locate(p, true);
        if (at) out.add(at.abs);
      }
    }
  }
  return [...out];
}
