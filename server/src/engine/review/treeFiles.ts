// The trees a review reads, and the in-memory state of their files as a series is applied: patch k sees the files as
// patches 1…k-1 left them, nothing is ever written to disk. A patch path is placed in the tree that holds it, else in
// the tree whose codebase its shape says (`xen/common/…` is Xen, `hw/intc/…` QEMU, `drivers/…` Linux).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { sourceText } from '../index/sourceText';
import { detectTree } from '../index/treeInfo';
import type { Codebase, TreeInfo } from '../index/types';

/** The codebase a repository-relative path's shape points at, when it is telling. */
export function codebaseOfPath(p: string): Codebase | undefined {
  if (/^xen\/(arch|common|drivers|include|xsm)\//.test(p) || /^tools\/(libs|xl|xenstore|firmware)\//.test(p)) return 'xen';
  if (/^(hw|target|accel|softmmu|system|qapi|migration|tcg|ui|block|chardev|qom|monitor)\//.test(p)) return 'qemu';
  if (/^(arch\/[a-z0-9_]+|drivers|kernel|virt|include\/(linux|uapi|asm-generic|xen)|mm|net|fs|sound|lib|block|init|security)\//.test(p)) return 'linux';
  return undefined;
}

export interface Located {
  tree: TreeInfo;
  /** Path relative to the tree root. */
  rel: string;
  abs: string;
}

export class TreeFiles {
  readonly trees: TreeInfo[];
  private readonly overlay = new Map<string, string | null>();

  /** `readBase` gives a file's pre-image when it is not the disk (a git range's base, the index). */
  constructor(roots: readonly string[], trees?: readonly TreeInfo[], private readonly readBase?: (abs: string) => string | undefined) {
    this.trees = trees ? [...trees] : roots.map((r) => detectTree(path.resolve(r)));
  }

  /** Candidate paths of `p` in `tree`: as written, and without the leading `xen/` when the tree is the xen/ folder. */
  private candidates(tree: TreeInfo, p: string): string[] {
    const out = [p];
    if (tree.codebase === 'xen' && p.startsWith('xen/') && !fs.existsSync(path.join(tree.root, 'xen'))) out.push(p.slice(4));
    return out;
  }

  exists(abs: string): boolean {
    const o = this.overlay.get(abs);
    if (o !== undefined) return o !== null;
    if (this.readBase) return this.readBase(abs) !== undefined;
    return fs.existsSync(abs);
  }

  /** The tree holding `p` (an existing file), else the best tree for a new file, else undefined. */
  locate(p: string, mustExist: boolean): Located | undefined {
    const shape = codebaseOfPath(p);
    const ordered = [...this.trees].sort((a, b) => Number(b.codebase === shape) - Number(a.codebase === shape));
    for (const tree of ordered) {
      for (const rel of this.candidates(tree, p)) {
        const abs = path.join(tree.root, rel);
        if (this.exists(abs)) return { tree, rel, abs };
      }
    }
    if (mustExist) return undefined;
    // A new file: the tree whose codebase the path's shape names, else the one holding its folder.
    for (const tree of ordered) {
      for (const rel of this.candidates(tree, p)) {
        const abs = path.join(tree.root, rel);
        if ((shape && tree.codebase === shape) || fs.existsSync(path.dirname(abs))) return { tree, rel, abs };
      }
    }
    return undefined;
  }

  /** The current text of a file (after the patches applied so far), or undefined when absent. */
  read(abs: string): string | undefined {
    const o = this.overlay.get(abs);
    if (o !== undefined) return o ?? undefined;
    if (this.readBase) return this.readBase(abs);
    try {
      return sourceText(fs.readFileSync(abs));
    } catch {
      return undefined;
    }
  }

  /** The text of a file before any patch of the review (the tree on disk). */
  original(abs: string): string | undefined {
    const saved = this.overlay.get(abs);
    this.overlay.delete(abs);
    const text = this.read(abs);
    if (saved !== undefined) this.overlay.set(abs, saved);
    return text;
  }

  write(abs: string, text: string | null): void {
    this.overlay.set(abs, text);
  }

  /** Every file the review changed so far, absolute paths. */
  changed(): string[] {
    return [...this.overlay.keys()];
  }
}
