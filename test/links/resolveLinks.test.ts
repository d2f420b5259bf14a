// Link resolution on the sample trees: found with file and line, found under a former name, or refused with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Flow } from '@irqlens/models';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { resolveLinks, summarizeLinks } from '../../server/src/engine/links/resolveLinks';

const sample = path.join(__dirname, '..', '..', 'sample');

function flowWith(links: Flow<unknown>['steps'][number]['links']): Flow<unknown> {
  return {
    id: 'L1', name: 'links', description: '', codebases: ['xen', 'linux'], profiles: [{ id: 'p', title: 'p', description: '' }], defaultProfile: 'p',
    params: [], entry: 'L1.1', actions: [], stateDoc: {}, initialState: () => ({}), validate: () => [],
    steps: [{ id: 'L1.1', title: 't', role: 'r', component: 'c', source: 's', links, run: () => ({ branch: 'b', why: 'w', next: null }) }],
  };
}

void test('links resolve to the definition line, by name, former name or not at all', async () => {
  const index = await WorkspaceIndex.build({ roots: [path.join(sample, 'xen'), path.join(sample, 'linux')], noCache: true });
  try {
    const flow = flowWith([
      { codebase: 'xen', symbol: 'evtchn_2l_set_pending', file: 'xen/common/event_2l.c' },
      { codebase: 'linux', symbol: 'renamed_in_a_later_version', formerly: [{ symbol: 'ack_dynirq', in: 'Linux 6.1' }] },
      { codebase: 'linux', symbol: 'no_such_function_anywhere', versions: 'Linux ≥ 9.0' },
      { codebase: 'xen', symbol: 'evtchn_send', file: 'xen/common/wrong_file.c' },
      { codebase: 'qemu', symbol: 'apic_set_irq' },
    ]);
    const [direct, former, missing, elsewhere, noTree] = resolveLinks([flow], index);

    assert.equal(direct.resolved, true);
    assert.equal(direct.file, path.join(sample, 'xen', 'xen/common/event_2l.c'));
    const line = fs.readFileSync(direct.file!, 'utf8').split('\n')[direct.line! - 1];
    assert.match(line, /evtchn_2l_set_pending/);
    assert.equal(direct.version, '4.17.5');

    assert.equal(former.resolved, true);
    assert.equal(former.foundAs, 'ack_dynirq');
    assert.match(former.reason ?? '', /former name ack_dynirq/);

    assert.equal(missing.resolved, false);
    assert.match(missing.reason ?? '', /no function definition of no_such_function_anywhere in linux 6\.1\.192 \(the link says: Linux ≥ 9\.0\)/);

    assert.equal(elsewhere.resolved, true);
    assert.match(elsewhere.reason ?? '', /defined in xen\/common\/event_channel\.c, not xen\/common\/wrong_file\.c/);

    assert.equal(noTree.resolved, false);
    assert.equal(noTree.reason, 'no qemu tree given');

    assert.deepEqual(summarizeLinks([direct, former, missing, elsewhere, noTree]).map((s) => [s.codebase, s.resolved, s.total]), [
      ['xen', 2, 2], ['qemu', 0, 1], ['linux', 1, 2],
    ]);
  } finally {
    await index.dispose();
  }
});
