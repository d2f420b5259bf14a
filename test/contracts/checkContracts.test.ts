// The contract checker on our own fixture tree (test/fixtures/contracts): kept, broken (missing call, wrong order,
// forbidden call), names only in comments/strings do not count, whole identifiers only, unresolved symbols.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Contract, ContractCheck, Flow } from '@irqlens/models';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { checkContractBody, checkContractInFile, checkContracts, ContractResult, summarizeContracts } from '../../server/src/engine/contracts/checkContracts';

const tree = path.join(__dirname, '..', 'fixtures', 'contracts', 'xen');
const RING = 'xen/common/ring.c';

function contract(id: string, symbol: string, check: ContractCheck): Contract {
  return { id, text: id, source: 'fixture', codebase: 'xen', symbol, check };
}

/** One flow, one step per contract, each step linking the contract's function in ring.c. */
function flowOf(contracts: Contract[]): Flow<unknown> {
  return {
    id: 'C1', name: 'contracts', description: '', codebases: ['xen'], profiles: [{ id: 'p', title: 'p', description: '' }], defaultProfile: 'p',
    params: [], entry: 'C1.1', actions: [], stateDoc: {}, initialState: () => ({}), validate: () => [],
    steps: contracts.map((c, i) => ({
      id: `C1.${i + 1}`, title: c.symbol, role: 'r', component: 'ring', source: 's', contracts: [c],
      links: [{ codebase: 'xen' as const, symbol: c.symbol, file: RING }], run: () => ({ branch: 'b', why: 'w', next: null }),
    })),
  };
}

/** The 1-based line of the first line of ring.c containing `needle`, after line `after`. */
function lineOf(needle: string, after = 0): number {
  const ls = fs.readFileSync(path.join(tree, RING), 'utf8').split('\n');
  const i = ls.findIndex((l, n) => n >= after && l.includes(needle));
  assert.ok(i >= 0, `fixture has ${needle}`);
  return i + 1;
}

const CASES: Contract[] = [
  contract('kept-calls', 'ring_post', { kind: 'calls', anyOf: ['ring_kick'] }),
  contract('kept-order', 'ring_post', { kind: 'callOrder', first: ['ring_mark'], then: ['ring_kick'] }),
  contract('broken-missing-call', 'ring_post_silent', { kind: 'calls', anyOf: ['ring_kick', 'ring_wake'] }),
  contract('kept-macro-call', 'ring_post_macro', { kind: 'calls', anyOf: ['POKE'] }),
  contract('kept-via-macro', 'ring_post_macro', { kind: 'calls', anyOf: ['ring_kick'] }),
  contract('broken-forbidden-via-macro', 'ring_post_macro', { kind: 'doesNotCall', names: ['ring_kick'] }),
  contract('broken-order', 'ring_post_backwards', { kind: 'callOrder', first: ['ring_mark'], then: ['ring_kick'] }),
  contract('broken-forbidden', 'ring_peek', { kind: 'doesNotCall', names: ['spin_lock', 'spin_lock_irqsave'] }),
  contract('kept-not-called', 'ring_pending', { kind: 'doesNotCall', names: ['spin_lock'] }),
  contract('kept-mentions', 'ring_pending', { kind: 'mentions', anyOf: ['pending'] }),
  contract('broken-mention-in-comment', 'ring_pending_stale', { kind: 'mentions', anyOf: ['pending'] }),
  contract('broken-prefix-only', 'ring_pending', { kind: 'calls', anyOf: ['ring_mask'] }),
  contract('broken-no-then', 'ring_post_silent', { kind: 'callOrder', first: ['ring_mark'], then: ['ring_kick'] }),
  contract('unresolved', 'ring_post_later', { kind: 'calls', anyOf: ['ring_kick'] }),
  { ...contract('no-tree', 'apic_set_irq', { kind: 'calls', anyOf: ['apic_update_irq'] }), codebase: 'qemu' },
];

void test('contracts on the fixture tree: kept, broken and unresolved, with evidence lines', async () => {
  const index = await WorkspaceIndex.build({ roots: [tree], noCache: true });
  let results: ContractResult[];
  try {
    results = checkContracts([flowOf(CASES)], index);
  } finally {
    await index.dispose();
  }
  const by = new Map(results.map((r) => [r.contract, r]));
  const status = Object.fromEntries(results.map((r) => [r.contract, r.status]));
  assert.deepEqual(status, {
    'kept-calls': 'kept', 'kept-order': 'kept', 'broken-missing-call': 'broken', 'kept-macro-call': 'kept', 'kept-via-macro': 'kept', 'broken-forbidden-via-macro': 'broken', 'broken-order': 'broken',
    'broken-forbidden': 'broken', 'kept-not-called': 'kept', 'kept-mentions': 'kept', 'broken-mention-in-comment': 'broken',
    'broken-prefix-only': 'broken', 'broken-no-then': 'broken', unresolved: 'unresolved', 'no-tree': 'unresolved',
  });

  const post = by.get('kept-calls')!;
  assert.equal(post.file, path.join(tree, RING));
  assert.equal(post.line, lineOf('static void ring_post('));
  assert.equal(post.version, '4.17.0');
  assert.deepEqual(post.evidence?.sites, [{ name: 'ring_kick', how: 'call', line: lineOf('ring_kick(r, 0);') }]);

  // A call through a function-like macro whose expansion calls the name counts, and says which macro.
  const viaLine = lineOf('POKE(r);');
  assert.deepEqual(by.get('kept-via-macro')?.evidence, { summary: `calls ring_kick via POKE (line ${viaLine})`, sites: [{ name: 'ring_kick', how: 'call', line: viaLine, via: 'POKE' }] });
  assert.equal(by.get('broken-forbidden-via-macro')?.evidence?.summary, `calls ring_kick via POKE (line ${viaLine})`);

  const order = by.get('kept-order')!;
  assert.deepEqual(order.evidence?.sites.map((s) => [s.name, s.line]), [['ring_mark', lineOf('ring_mark(r, slot);')], ['ring_kick', lineOf('ring_kick(r, 0);')]]);

  // The name in the comment, the string and the char literal '(' do not count.
  const silent = by.get('broken-missing-call')!;
  assert.equal(silent.evidence?.summary, 'no call to any of ring_kick, ring_wake');
  assert.deepEqual(silent.evidence?.sites, []);

  const backwards = by.get('broken-order')!;
  const back = lineOf('static void ring_post_backwards');
  assert.match(backwards.evidence?.summary ?? '', /^ring_kick \(line \d+\) comes before the first call to ring_mark \(line \d+\)$/);
  assert.deepEqual(backwards.evidence?.sites.map((s) => [s.name, s.line]), [['ring_kick', lineOf('ring_kick(r, 0);', back)], ['ring_mark', lineOf('ring_mark(r, slot);', back)]]);

  const peek = by.get('broken-forbidden')!;
  assert.deepEqual(peek.evidence?.sites, [{ name: 'spin_lock', how: 'call', line: lineOf('spin_lock(&r->lock);') }]);

  // `spin_lock` as a function-pointer value is not a call; `pending` as a field is a mention.
  assert.equal(by.get('kept-not-called')?.evidence?.summary, 'no call to spin_lock');
  assert.deepEqual(by.get('kept-mentions')?.evidence?.sites, [{ name: 'pending', how: 'mention', line: lineOf('return r->pending') }]);
  assert.equal(by.get('broken-mention-in-comment')?.evidence?.summary, 'no mention of pending');
  assert.equal(by.get('broken-no-then')?.evidence?.summary, 'no call to ring_kick');

  assert.match(by.get('unresolved')?.reason ?? '', /^no function or macro definition of ring_post_later in xen 4\.17\.0$/);
  assert.equal(by.get('unresolved')?.evidence, undefined);
  assert.equal(by.get('no-tree')?.reason, 'no qemu tree given');

  assert.deepEqual(summarizeContracts(results), [
    { codebase: 'xen', total: 14, kept: 6, broken: 7, unresolved: 1 },
    { codebase: 'qemu', total: 1, kept: 0, broken: 0, unresolved: 1 },
  ]);
});

void test('a contract checks on a given body text (the post-patch body in review)', () => {
  const before = 'static void f(struct ring *r)\n{\n    ring_mark(r, 1);\n    ring_kick(r, 0);\n}\n';
  const after = 'static void f(struct ring *r)\n{\n    ring_mark(r, 1);\n    // ring_kick(r, 0);\n}\n';
  const rule: ContractCheck = { kind: 'calls', anyOf: ['ring_kick'] };
  assert.deepEqual(checkContractBody(rule, before, 1), { status: 'kept', evidence: { summary: 'calls ring_kick (line 4)', sites: [{ name: 'ring_kick', how: 'call', line: 4 }] } });
  assert.equal(checkContractBody(rule, after).status, 'broken');
  // A call split from its `(` by blanks or a comment is still a call; a name inside a longer identifier is not.
  assert.equal(checkContractBody(rule, '{ ring_kick /* now */\n  (r, 0); }').status, 'kept');
  assert.equal(checkContractBody(rule, '{ ring_kick_all(r); }').status, 'broken');
  // Several calls of `then` before the first `first` and one after: the order holds.
  const order: ContractCheck = { kind: 'callOrder', first: ['a'], then: ['b'] };
  assert.equal(checkContractBody(order, '{ b(); a(); b(); }').status, 'kept');
  assert.equal(checkContractBody(order, '{ b(); a(); }').status, 'broken');
  assert.equal(checkContractBody({ kind: 'doesNotCall', names: ['b'] }, '{ x = "b()"; y = b; }').status, 'kept');
  // Macros expand through a given expander, a few levels deep, but not for mentions.
  const macros: Record<string, string> = { OUTER: '(x) INNER(x)', INNER: '(x) ring_kick(x, 0)', SELF: '(x) SELF(x)' };
  const expand = (n: string) => macros[n];
  assert.equal(checkContractBody(rule, '{ OUTER(r); }', 0, expand).evidence.summary, 'calls ring_kick via OUTER (line 0)');
  assert.equal(checkContractBody(rule, '{ OUTER(r); }').status, 'broken', 'no expander, no expansion');
  assert.deepEqual(checkContractBody({ kind: 'doesNotCall', names: ['ring_kick'] }, '{ a(); OUTER(r);\n b(); }', 5, expand).evidence.sites, [{ name: 'ring_kick', how: 'call', line: 5, via: 'OUTER' }]);
  assert.equal(checkContractBody(rule, '{ SELF(r); }', 0, expand).status, 'broken', 'a self-referencing macro stops');
  assert.equal(checkContractBody({ kind: 'mentions', anyOf: ['ring_kick'] }, '{ OUTER(r); }', 0, expand).status, 'broken');
});

void test('a contract checks on the hinted file alone, without an index', () => {
  const info = { root: tree, codebase: 'xen' as const, version: '4.17.0' };
  const link = { codebase: 'xen' as const, symbol: 'ring_post_backwards', file: RING };
  const order = contract('order', 'ring_post_backwards', { kind: 'callOrder', first: ['ring_mark'], then: ['ring_kick'] });
  const r = checkContractInFile(info, order, link);
  assert.equal(r.status, 'broken');
  assert.equal(r.line, lineOf('static void ring_post_backwards'));
  const renamed = checkContractInFile(info, { ...order, symbol: 'ring_post_backwards_v2' }, { ...link, symbol: 'ring_post_backwards_v2', formerly: [{ symbol: 'ring_post_backwards', in: 'fixture 1' }] });
  assert.equal(renamed.foundAs, 'ring_post_backwards');
  assert.equal(renamed.status, 'broken');
  const elsewhere = checkContractInFile(info, contract('h', 'ring_post', { kind: 'calls', anyOf: ['ring_kick'] }), { ...link, symbol: 'ring_post', file: 'xen/common/ring.h' });
  assert.equal(elsewhere.status, 'unresolved');
  assert.equal(elsewhere.reason, 'no function or macro definition of ring_post in xen/common/ring.h in xen 4.17.0');
});
