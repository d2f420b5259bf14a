// The KVM flows (Q3, Q4, Q5, Q6, Q9, Q10, Q12) against the real Linux 6.1 and QEMU 7.2 trees: every step has at least
// one link, every link names a definition in its file, shared operations use the keys the QEMU/Xen models use, and
// every contract holds on the real function body (the contract engine on the hinted file). The link check is textual;
// `irqlens links` does the tree-sitter resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kvmFlows } from '../../models/src/flows/kvm/index';
import { Step } from '../../models/src/core/types';
import { contractFailures, lines, root, textualDefinitionLine } from '../support/linkCheck';

const MINE = ['Q3', 'Q4', 'Q5', 'Q6', 'Q9', 'Q10', 'Q12'];

const flows = kvmFlows.filter((f) => MINE.includes(f.id));
const allSteps = (): Step<unknown>[] => flows.flatMap((f) => f.steps as Step<unknown>[]);

void test('every step of the KVM flows has at least one link, a role and a unique id', () => {
  assert.deepEqual(flows.map((f) => f.id).sort(), [...MINE].sort());
  const ids = new Set<string>();
  for (const s of allSteps()) {
    assert.ok(!ids.has(s.id), `${s.id} unique`);
    ids.add(s.id);
    assert.ok(s.links.length >= 1, `${s.id} has a link`);
    assert.ok(s.role.length > 20, `${s.id} has a role`);
    for (const l of s.links) assert.match(l.symbol, /^[A-Za-z_]\w*$/, `${s.id}: ${l.symbol}`);
  }
  assert.ok(ids.size >= 55, `${ids.size} steps`);
});

void test('the KVM steps use the shared operation keys on the equivalent steps', () => {
  const ops = new Map<string, string[]>();
  for (const s of allSteps()) if (s.operation) ops.set(s.operation, [...(ops.get(s.operation) ?? []), s.id]);
  for (const key of ['lapic.accept', 'lapic.ack', 'lapic.eoi', 'ioapic.eoi', 'ioapic.input', 'lapic.route', 'pi.post', 'lapic.local-deliver', 'lapic.timer-program', 'lapic.timer-arm']) {
    assert.ok(ops.has(key), `some KVM step performs ${key}`);
  }
  const byId = new Map(allSteps().map((s) => [s.id, s]));
  assert.ok(byId.get('Q3.2')?.links.some((l) => l.symbol === '__apic_accept_irq'), 'lapic.accept is __apic_accept_irq in KVM');
  assert.ok(byId.get('Q3.10')?.links.some((l) => l.symbol === 'apic_set_eoi'));
  assert.ok(byId.get('Q3.12')?.links.some((l) => l.codebase === 'qemu' && l.symbol === 'ioapic_eoi_broadcast'), 'the split irqchip EOI names QEMU');
});

void test('renames across versions are recorded as former names', () => {
  const formerly = allSteps().flatMap((s) => s.links.flatMap((l) => (l.formerly ?? []).map((f) => `${l.symbol}<-${f.symbol}`)));
  assert.ok(formerly.includes('kvm_check_and_inject_events<-inject_pending_event'));
  assert.ok(formerly.includes('apic_timer_expired<-kvm_apic_expired'));
  assert.ok(formerly.includes('vmx_pi_update_irte<-pi_update_irte'));
});

void test('every KVM link names a definition in its file in the real Linux 6.1 / QEMU 7.2 trees', () => {
  const missing: string[] = [];
  let n = 0;
  for (const s of allSteps()) {
    for (const l of s.links) {
      n++;
      assert.ok(l.file, `${s.id} ${l.symbol} has a file hint`);
      const file = path.join(root(l.codebase), l.file ?? '');
      if (!fs.existsSync(file)) {
        missing.push(`${s.id} ${l.codebase}:${l.symbol}: no file ${l.file}`);
        continue;
      }
      if (textualDefinitionLine(lines(file), l.symbol, { macrosAndVariables: true }) < 0) missing.push(`${s.id} ${l.codebase}:${l.symbol}: no definition in ${l.file}`);
    }
  }
  assert.deepEqual(missing, [], `${missing.length} of ${n} links unresolved`);
  assert.ok(n >= 250, `${n} links checked`);
});

void test('every KVM contract holds on the real function body (checked by the contract engine)', () => {
  const { checked, failures } = contractFailures(allSteps());
  assert.deepEqual(failures, []);
  assert.ok(checked >= 25, `${checked} contracts checked`);
});
