// Where an #include leads: a quoted header next to the including file first, then the `include/` folders from the
// file's folder up to the tree root, then the arch include folders, and for <…> the file's own folder last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { includedFiles, parseInclude, resolveInclude } from '../../server/src/engine/index/includes';

function tree(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-inc-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), '/* header */\n');
  }
  return root;
}

void test('a quoted include prefers the including folder, an angle include the include folders', () => {
  const root = tree(['drivers/net/a.h', 'drivers/net/include/a.h', 'include/a.h', 'arch/x86/include/a.h']);
  const from = path.join(root, 'drivers/net/x.c');
  assert.equal(resolveInclude(root, from, 'a.h', true), path.join(root, 'drivers/net/a.h'));
  assert.equal(resolveInclude(root, from, 'a.h', false), path.join(root, 'drivers/net/include/a.h'));
});

void test('include folders are searched upward to the root, then the arch folders, then the file folder for <…>', () => {
  const root = tree(['include/linux/b.h', 'arch/x86/include/asm/c.h', 'drivers/d.h']);
  const from = path.join(root, 'drivers/x.c');
  assert.equal(resolveInclude(root, from, 'linux/b.h', false), path.join(root, 'include/linux/b.h'));
  assert.equal(resolveInclude(root, from, 'asm/c.h', true), path.join(root, 'arch/x86/include/asm/c.h'));
  assert.equal(resolveInclude(root, from, 'd.h', false), path.join(root, 'drivers/d.h'));
});

void test('a missing header, a folder of the name and a path through a file resolve to nothing', () => {
  const root = tree(['include/e.h', 'drivers/x.c']);
  fs.mkdirSync(path.join(root, 'include/dir.h'));
  const from = path.join(root, 'drivers/x.c');
  assert.equal(resolveInclude(root, from, 'missing.h', true), undefined);
  assert.equal(resolveInclude(root, from, 'dir.h', false), undefined);
  assert.equal(resolveInclude(root, from, 'e.h/f.h', false), undefined);
});

void test("a file's included headers: resolved as one by one, in line order, at most the cap, with the folder memo shared", () => {
  const root = tree(['include/linux/b.h', 'drivers/include/q.h', 'drivers/net/local.h', 'arch/x86/include/asm/c.h']);
  const from = path.join(root, 'drivers/net/x.c');
  const text = ['#include <linux/b.h>', '#  include "local.h"', 'int x;', '#include <q.h>', '#include <missing.h>', ' # include <asm/c.h>', '#include <linux/b.h>'].join('\n');
  const want = [path.join(root, 'include/linux/b.h'), path.join(root, 'drivers/net/local.h'), path.join(root, 'drivers/include/q.h'), path.join(root, 'arch/x86/include/asm/c.h'), path.join(root, 'include/linux/b.h')];
  assert.deepEqual(includedFiles(root, from, text, 80), want);
  assert.deepEqual(includedFiles(root, from, text, 2), want.slice(0, 2));
  assert.deepEqual(includedFiles(root, from, undefined, 80), []);
});

void test('on a real tree, the folder memo changes no resolution', { skip: !process.env.IRQLENS_XEN && 'IRQLENS_XEN not set' }, () => {
  const root = process.env.IRQLENS_XEN!;
  let checked = 0;
  for (const rel of ['xen/arch/x86/hvm/irq.c', 'xen/common/event_channel.c', 'xen/arch/x86/io_apic.c', 'xen/arch/x86/irq.c']) {
    const file = path.join(root, rel);
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const oneByOne = text.split('\n').map((l) => (l.trimStart().startsWith('#') ? parseInclude(l) : undefined)).flatMap((inc) => {
      const target = inc && resolveInclude(root, file, inc.spec, inc.quoted);
      return target ? [target] : [];
    });
    assert.ok(oneByOne.length > 3, `${rel} includes resolvable headers`);
    assert.deepEqual(includedFiles(root, file, text, 1000), oneByOne, rel);
    checked++;
  }
  assert.ok(checked >= 3, 'the Xen files are there');
});
