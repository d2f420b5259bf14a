// Builds patches and mailboxes at test time: a git-style diff of an edited copy of a file, a format-patch mail, an
// mbox. Nothing here is a fixture on disk, so no real tree's code ends up in the repository.
import { createTwoFilesPatch } from 'diff';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'review');
export const XEN_FIX = path.join(FIXTURES, 'xen');
export const LINUX_FIX = path.join(FIXTURES, 'linux');

/** A `diff --git` file diff from `before` to `after` of `rel`. */
export function gitDiff(rel: string, before: string, after: string): string {
  const body = createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before, after, undefined, undefined, { context: 3 });
  // createTwoFilesPatch starts with `===` and `Index:`-less headers: keep from the `---` line.
  return `diff --git a/${rel} b/${rel}\nindex 1111111..2222222 100644\n${body.slice(body.indexOf('--- '))}`;
}

/** The diff of a tree file after `edit` (a function of its text); throws when the edit changed nothing. */
export function editDiff(root: string, rel: string, edit: (text: string) => string): string {
  const before = fs.readFileSync(path.join(root, rel), 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`the edit of ${rel} changed nothing`);
  return gitDiff(rel, before, after);
}

/** Replaces exactly one occurrence of `from` (throws when it is not there exactly once). */
export function replaceOnce(from: string | RegExp, to: string): (text: string) => string {
  return (text) => {
    const n = typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from.source, from.flags.includes('g') ? from.flags : from.flags + 'g')) ?? []).length;
    if (n !== 1) throw new Error(`expected one match of ${String(from)}, found ${n}`);
    return text.replace(from, to);
  };
}

/** A git format-patch mail (mbox message with its `From ` separator). */
export function mail(subject: string, diff: string, message = 'Reviewed by a test.'): string {
  return `From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nFrom: Test Author <author@example.org>\nDate: Thu, 3 Dec 2026 08:00:00 +0000\nSubject: ${subject}\nContent-Type: text/plain; charset=UTF-8\n\n${message}\n---\n${diff}-- \n2.39.2\n\n`;
}
