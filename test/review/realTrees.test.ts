// Review on the real Debian trees: each patch is made here, at test time, by editing an in-memory copy of a real
// file (no real code or patch is stored in the repository), then reviewed against the tree without an index.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { reviewInput } from '../../server/src/engine/review/reviewSeries';
import { realTrees } from '../support/realTrees';
import { editDiff, mail, replaceOnce } from './patchKit';

const trees = realTrees();
const review = (diff: string) => reviewInput(Buffer.from(mail('[PATCH] test edit', diff)), 'p.patch', { trees: [trees.xen, trees.qemu, trees.linux] });

void test('Xen: dropping the re-delivery of a pending event from evtchn_2l_unmask is a finding on that function', async () => {
  const d = editDiff(trees.xen, 'xen/common/event_2l.c', replaceOnce(/(evtchn_pending_sel\)\) \)\n    \{\n)        vcpu_mark_events_pending\(v\);\n(    \}\n\}\n\nstatic bool cf_check evtchn_2l_is_pending)/, '$1$2'));
  const r = await review(d);
  const f = r.patches[0].findings.find((x) => x.rule === 'X1.23-redeliver');
  assert.ok(f && f.function === 'evtchn_2l_unmask' && f.baseline === 'new', JSON.stringify(r.patches[0].findings));
  // Without the re-delivery, the event pending at unmask is never handled: lost.
  assert.match(f.consequence?.sentence ?? '', /without the call to vcpu_mark_events_pending in evtchn_2l_unmask: port \d+ is never delivered to vcpu\d/);
});

void test('Xen: removing the mask test before the selector bit is set names the clause at event_2l.c', async () => {
  const d = editDiff(trees.xen, 'xen/common/event_2l.c', replaceOnce(/if \( !guest_test_bit\(d, port, &shared_info\(d, evtchn_mask\)\) &&\n\s+/, 'if ( '));
  const r = await review(d);
  const f = r.patches[0].findings.find((x) => x.rule === 'X1.6-mask-test');
  assert.ok(f, JSON.stringify(r.patches[0].findings));
  assert.match(f.message, /guest_test_bit .*was removed at event_2l\.c:\d+/);
  // Without the mask test, a masked port marks an upcall and kicks the vCPU, which the kept run never does.
  assert.match(f.consequence?.sentence ?? '', /without the test of evtchn_mask\[port\] in evtchn_2l_set_pending: X1\.6 takes sel-\S+ instead of masked and the run goes on through X1\.8 vcpu_mark_events_pending/);
});

void test('QEMU: removing the EOI broadcast to the IO-APIC for level-triggered vectors is an error on apic_eoi', async () => {
  const d = editDiff(trees.qemu, 'hw/intc/apic.c', replaceOnce('        ioapic_eoi_broadcast(isrv);\n', ''));
  const r = await review(d);
  const f = r.patches[0].findings.find((x) => x.rule === 'Q1.14-broadcast');
  assert.ok(f && f.function === 'apic_eoi' && f.severity === 'error', JSON.stringify(r.patches[0].findings));
  assert.equal(r.patches[0].files[0].codebase, 'qemu');
  // Without the broadcast, Remote IRR is never cleared: the next interrupt of the still-asserted line is never delivered.
  assert.match(f.consequence?.sentence ?? '', /without the call to ioapic_eoi_broadcast in apic_eoi: vector 0x[0-9a-f]+ \(pin \d+\) is never delivered to vcpu\d/);
});

void test('Linux: moving the PIR test-and-set after the notification breaks Q4.1', async () => {
  const pir = '\tif (pi_test_and_set_pir(vector, &vmx->pi_desc))\n\t\treturn 0;\n\n';
  const note = '\tkvm_vcpu_trigger_posted_interrupt(vcpu, POSTED_INTR_VECTOR);\n';
  const d = editDiff(trees.linux, 'arch/x86/kvm/vmx/vmx.c', (t) => replaceOnce(note, note + pir)(replaceOnce(pir, '')(t)));
  const r = await review(d);
  const f = r.patches[0].findings.find((x) => x.rule === 'Q4.1-pir-before-on');
  assert.ok(f && f.function === 'vmx_deliver_posted_interrupt', JSON.stringify(r.patches[0].findings));
  // The notification is handled before the vector is in PIR: the vector stays there, never delivered.
  assert.match(f.consequence?.sentence ?? '', /with pi_test_and_set_pir after pi_test_and_set_on in vmx_deliver_posted_interrupt: vector 0x[0-9a-f]+ is never delivered to vcpu\d.*pir ends \[\d+\] \(\[\] with the contract kept\)/);
});

void test('a comment in a linked function lists its steps with no finding; an unrelated file touches no step', async () => {
  const c = await review(editDiff(trees.xen, 'xen/common/event_2l.c', replaceOnce('    evtchn_check_pollers(d, port);\n', '    /* Pollers are woken whatever the mask. */\n    evtchn_check_pollers(d, port);\n')));
  assert.ok(c.patches[0].steps.some((s) => s.step === 'X1.6'));
  assert.deepEqual(c.patches[0].findings.filter((f) => f.baseline === 'new'), []);
  const u = await review(editDiff(trees.linux, 'lib/sort.c', (t) => t.replace(/\n/, '\n/* an unrelated comment */\n')));
  assert.deepEqual(u.patches[0].steps, []);
  assert.deepEqual(u.patches[0].findings, []);
});
