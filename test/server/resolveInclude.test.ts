// Where an #include leads: a quoted header next to the including file first, then the `include/` folders from the
// file's folder up to the tree root, then the arch include folders, and for <…> the file's own folder last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveInclude } from '../../server/src/lsp/includes';

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
