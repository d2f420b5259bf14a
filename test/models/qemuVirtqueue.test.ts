// Virtqueue event-index suppression (rule QR22): vring_need_event against a brute-force walk of the 16-bit
// index space, the device-side window (signalled_used) in vhost and QEMU forms, and the same property through Q7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addUsed, newVirtqueue, shouldNotify, u16, vringNeedEvent, VRING_AVAIL_F_NO_INTERRUPT } from '../../models/src/components/virtqueue';
import { allFlows, runScenario } from '@irqlens/models';
import { seeded } from './seededRandom';

/** The definition: the used index, stepping one by one from old to new (mod 2^16), passes used_event (reaches event+1). */
function passes(event: number, old: number, count: number): boolean {
  for (let k = 1; k <= count; k++) if (u16(old + k) === u16(event + 1)) return true;
  return false;
}

void test('QR22: vring_need_event fires exactly when the new used idx passes used_event, across 16-bit wrap-around (20000 seeded cases)', () => {
  const rng = seeded(2022);
  let fired = 0;
  let wrapped = 0;
  for (let i = 0; i < 20000; i++) {
    const old = rng.bool(0.5) ? rng.int(65536 - 300, 65535) : rng.int(0, 65535);
    const count = rng.int(1, 512);
    const nu = u16(old + count);
    const event = rng.bool(0.5) ? u16(old + rng.int(-5, count + 5)) : rng.int(0, 65535);
    const expect = passes(event, old, count);
    assert.equal(vringNeedEvent(event, nu, old), expect, `event ${event}, old ${old}, new ${nu}`);
    if (expect) fired++;
    if (nu < old) wrapped++;
  }
  assert.ok(fired > 3000 && wrapped > 3000, `both outcomes and wrap-around exercised (${fired} fired, ${wrapped} wrapped)`);
});

void test('QR22: the device notifies once per window: after a notification nothing more until the guest moves used_event', () => {
  for (const form of ['vhost', 'qemu'] as const) {
    const vq = newVirtqueue(256, true);
    vq.signalled_used_valid = true;
    vq.avail.used_event = 0;
    addUsed(vq, 1, form);
    assert.equal(shouldNotify(vq, form).notify, true, `${form}: idx 0 → 1 passes used_event 0`);
    addUsed(vq, 1, form);
    assert.equal(shouldNotify(vq, form).notify, false, `${form}: used_event 0 already passed`);
    vq.avail.used_event = 2;
    addUsed(vq, 3, form);
    assert.equal(shouldNotify(vq, form).notify, true, `${form}: 2 → 5 passes used_event 2`);
  }
});

void test('QR22: without EVENT_IDX only VRING_AVAIL_F_NO_INTERRUPT decides; NOTIFY_ON_EMPTY overrides both', () => {
  const vq = newVirtqueue(256, false);
  addUsed(vq, 1, 'vhost');
  assert.equal(shouldNotify(vq, 'vhost').notify, true);
  vq.avail.flags |= VRING_AVAIL_F_NO_INTERRUPT;
  assert.equal(shouldNotify(vq, 'vhost').notify, false);
  vq.notify_on_empty = true;
  assert.equal(shouldNotify(vq, 'vhost').branch, 'notify-on-empty');
});

void test('QR22: signalled_used_valid is cleared when the used index overtakes signalled_used (vhost u16 vs QEMU int16 compare)', () => {
  const v = newVirtqueue(256, true);
  v.signalled_used_valid = true;
  v.signalled_used = 5;
  v.last_used_idx = v.used.idx = 3;
  assert.equal(addUsed(v, 4, 'vhost').invalidated, true, '3 → 7 passes 5');
  // The casts differ when new − signalled_used (mod 2^16) is ≥ 2^15: QEMU’s int16 makes the left side negative.
  const a = newVirtqueue(256, true);
  const b = newVirtqueue(256, true);
  for (const x of [a, b]) {
    x.signalled_used_valid = true;
    x.signalled_used = 25637; // new − signalled_used = 40000 mod 2^16: ≥ 2^15
    x.last_used_idx = x.used.idx = 100;
  }
  assert.equal(addUsed(a, 1, 'vhost').invalidated, false);
  assert.equal(addUsed(b, 1, 'qemu').invalidated, true);
});

void test('QR22 through flow Q7: over random batches near the wrap, an interrupt reaches the guest exactly when used idx passed used_event', () => {
  const rng = seeded(77);
  let runs = 0;
  for (let i = 0; i < 150; i++) {
    const start = rng.int(65536 - 40, 65535);
    const event = u16(start + rng.int(0, 20));
    const counts = [rng.int(1, 8), rng.int(1, 8), rng.int(1, 8)];
    const run = runScenario(allFlows, {
      name: `wrap-${i}`, title: 'wrap', flow: 'Q7', profile: 'vhost-irqfd', params: { consume: false },
      set: { 'vq.last_used_idx': start, 'vq.used.idx': start, 'vq.signalled_used': start, 'vq.signalled_used_valid': true, 'vq.driver.last_used_idx': start, 'vq.avail.used_event': event },
      actions: counts.map((count) => ({ do: 'complete', with: { count } })),
    });
    let old = start;
    let notified = 0;
    let expected = 0;
    for (const c of counts) {
      if (passes(event, old, c)) expected++;
      old = u16(old + c);
    }
    notified = run.trace.outcome.filter((o) => o.kind === 'delivered').length;
    assert.equal(notified, expected, `start ${start}, used_event ${event}, batches ${counts.join(',')}`);
    runs++;
  }
  assert.equal(runs, 150);
});

void test('QR22 without EVENT_IDX (Q7): the guest’s virtqueue_disable_cb sets NO_INTERRUPT and vhost stays silent until enable_cb', () => {
  const r = runScenario(allFlows, {
    name: 'flags', title: 'flags', flow: 'Q7', params: { event_idx: false },
    actions: [{ do: 'disable-cb' }, { do: 'complete', with: { count: 2 } }, { do: 'enable-cb' }, { do: 'complete', with: { count: 1 } }],
  });
  const q74 = r.trace.steps.filter((s) => s.step === 'Q7.4').map((s) => s.branch);
  assert.deepEqual(q74, ['flags-suppressed', 'flags']);
  assert.equal(r.trace.outcome.filter((o) => o.kind === 'delivered').length, 1);
});

void test('Q8 dataplane on TCG: with no irqfd the main loop reads the guest notifier and takes the virtio_irq path', () => {
  const r = runScenario(allFlows, { name: 'dp', title: 'dp', flow: 'Q8', profile: 'qemu-tcg', params: { dataplane: true }, actions: [{ do: 'complete' }] });
  assert.deepEqual(r.trace.steps.map((s) => `${s.step}:${s.branch}`), ['Q8.1:flushed', 'Q8.2:irqfd', 'Q8.3:not-valid', 'Q8.4a:main-loop-read', 'Q8.4b:notify-vector', 'Q8.5:msix', 'Q8.6:send', 'Q8.7:tcg-apic']);
});
