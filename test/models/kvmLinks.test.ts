// The KVM flows (Q3, Q4, Q5, Q6, Q9, Q10, Q12) against the real Linux 6.1 and QEMU 7.2 trees: every step has at least
// one link, every link names a definition in its file, shared operations use the keys the QEMU/Xen models use, and
// every contract holds on the real function body. A textual check; `irqlens links` does the tree-sitter resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kvmFlows } from '../../models/src/flows/kvm/index';
import { Link, Step } from '../../models/src/core/types';
import { realTrees } from '../support/realTrees';

const MINE = ['Q3', 'Q4', 'Q5', 'Q6', 'Q9', 'Q10', 'Q12'];

function root(codebase: Link['codebase']): string {
  const t = realTrees();
  return codebase === 'qemu' ? t.qemu : codebase === 'linux' ? t.linux : t.xen;
}

const cache = new Map<string, string[]>();
function lines(file: string): string[] {
  let l = cache.get(file);
  if (!l) {
    l = fs.readFileSync(file, 'utf8').split('\n');
    cache.set(file, l);
  }
  return l;
}

/** The line of a definition: a C function header at column 0 (body follows), an IDT-entry generator, a macro or a variable. */
function definitionLine(ls: string[], sym: string): number {
  const head = new RegExp(`^(?:[A-Za-z_][^;=]*[\\s*])?${sym}\\s*\\(`);
  const gen = new RegExp(`^DEFINE_IDTENTRY\\w*\\(${sym}\\)`);
  const other = new RegExp(`^(?:#define\\s+${sym}\\b|[A-Za-z_][^(]*\\b${sym}\\s*(?:=|;))`);
  for (let i = 0; i < ls.length; i++) {
    if (gen.test(ls[i]) || other.test(ls[i])) return i;
    if (!head.test(ls[i]) || /^(return|if|else|while|for)\b/.test(ls[i])) continue;
    const tail = ls.slice(i, i + 8).join('\n');
    const brace = tail.indexOf('{');
    const semi = tail.indexOf(';');
    if (brace >= 0 && (semi < 0 || brace < semi)) return i;
  }
  return -1;
}

function bodyAt(ls: string[], at: number): string {
  const text = ls.slice(at, at + 3000).join('\n');
  const start = text.indexOf('{');
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

const flows = kvmFlows.filter((f) => MINE.includes(f.id));
const allSteps = (): Step<unknown>[] => flows.flatMap((f) => f.steps as Step<unknown>[]);

void test('every step of the KVM flows has at least one link, a role, a source and a unique id', () => {
  assert.deepEqual(flows.map((f) => f.id).sort(), [...MINE].sort());
  const ids = new Set<string>();
  for (const s of allSteps()) {
    assert.ok(!ids.has(s.id), `${s.id} unique`);
    ids.add(s.id);
    assert.ok(s.links.length >= 1, `${s.id} has a link`);
    assert.ok(s.role.length > 20 && s.source.includes('§'), `${s.id} has a role and a catalogue source`);
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
      if (definitionLine(lines(file), l.symbol) < 0) missing.push(`${s.id} ${l.codebase}:${l.symbol}: no definition in ${l.file}`);
    }
  }
  assert.deepEqual(missing, [], `${missing.length} of ${n} links unresolved`);
  assert.ok(n >= 250, `${n} links checked`);
});

void test('every KVM contract holds on the real function body', () => {
  const failures: string[] = [];
  let n = 0;
  for (const s of allSteps()) {
    for (const c of s.contracts ?? []) {
      n++;
      const link = s.links.find((l) => l.symbol === c.symbol && l.codebase === c.codebase);
      assert.ok(link?.file, `${c.id}: the contract's function is one of the step's links`);
      const ls = lines(path.join(root(c.codebase), link.file));
      const at = definitionLine(ls, c.symbol);
      assert.ok(at >= 0, `${c.id}: ${c.symbol} defined`);
      const body = bodyAt(ls, at);
      const calls = (name: string): number[] => [...body.matchAll(new RegExp(`\\b${name}\\s*\\(`, 'g'))].map((m) => m.index ?? 0);
      const mentions = (name: string): boolean => new RegExp(`\\b${name}\\b`).test(body);
      const k = c.check;
      let ok: boolean;
      if (k.kind === 'calls') ok = k.anyOf.some((x) => calls(x).length > 0);
      else if (k.kind === 'mentions') ok = k.anyOf.some(mentions);
      else if (k.kind === 'doesNotCall') ok = !k.names.some((x) => calls(x).length > 0);
      else {
        const first = Math.min(...k.first.flatMap(calls));
        const then = Math.max(...k.then.flatMap(calls));
        ok = Number.isFinite(first) && Number.isFinite(then) && first < then;
      }
      if (!ok) failures.push(`${s.id} ${c.id} (${c.symbol}): ${JSON.stringify(k)}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(n >= 25, `${n} contracts checked`);
});
