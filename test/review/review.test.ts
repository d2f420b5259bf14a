// Review on fixture trees we wrote (Xen and Linux shape): findings for broken contracts, none for cosmetic edits,
// series that break and restore, every kind of file change reported, malformed input named, never a crash.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { test } from 'node:test';
import { hasNewErrors, reviewInput } from '../../server/src/engine/review/reviewSeries';
import { BadInputError } from '../../server/src/engine/review/mailSplit';
import { toMarkdown } from '../../server/src/engine/review/format/markdown';
import { toB4 } from '../../server/src/engine/review/format/b4';
import { editDiff, gitDiff, LINUX_FIX, mail, replaceOnce, XEN_FIX } from './patchKit';

const E2L = 'xen/common/event_2l.c';
const opts = { trees: [XEN_FIX, LINUX_FIX] };
const review = (text: string, name = 'p.patch') => reviewInput(Buffer.from(text), name, opts);

const dropMaskTest = replaceOnce(/ +if \( !guest_test_bit\(d, port, &shared_info\(d, evtchn_mask\)\) &&\n {9}/, '    if ( ');
const dropRedelivery = replaceOnce('    {\n        vcpu_mark_events_pending(v);\n    }\n}\n\nstatic unsigned', '    {\n    }\n}\n\nstatic unsigned');

void test('removing the mask test before the selector bit is an error naming the clause, with a simulated consequence', async () => {
  const r = await review(mail('[PATCH] xen/evtchn: no mask test', editDiff(XEN_FIX, E2L, dropMaskTest)));
  const f = r.patches[0].findings.find((x) => x.rule === 'X1.6-mask-test');
  assert.ok(f, JSON.stringify(r.patches[0].findings));
  assert.equal(f.severity, 'error');
  assert.equal(f.baseline, 'new');
  assert.equal(f.function, 'evtchn_2l_set_pending');
  assert.match(f.message, /guest_test_bit .*was removed at event_2l\.c:13/);
  // Broken, the mask is not tested: the masked port's event marks an upcall the kept run never raises.
  assert.ok(f.consequence, 'a simulated consequence');
  assert.match(f.consequence.sentence, /without the test of evtchn_mask\[port\] in evtchn_2l_set_pending: X1\.6 takes sel-\S+ instead of masked and the run goes on through X1\.8 vcpu_mark_events_pending/);
  assert.ok(r.patches[0].steps.some((s) => s.flow === 'X1' && s.step === 'X1.6' && s.how === 'body'));
  assert.ok(hasNewErrors(r));
  assert.match(r.series.verdict, /breaks X1\.6-mask-test/);
});

void test('dropping the re-delivery of a pending event at unmask is a finding on evtchn_2l_unmask', async () => {
  const r = await review(editDiff(XEN_FIX, E2L, dropRedelivery));
  const f = r.patches[0].findings.find((x) => x.rule === 'X1.23-redeliver');
  assert.ok(f, JSON.stringify(r.patches[0].findings));
  assert.equal(f.function, 'evtchn_2l_unmask');
  assert.match(f.message, /vcpu_mark_events_pending/);
});

void test('moving the posted-interrupt test-and-set after the notification breaks the order contract', async () => {
  const move = (t: string) =>
    replaceOnce('\tif (pi_test_and_set_pir(vector, &vmx->pi_desc))\n\t\treturn 0;\n\n', '')(t).replace('\tkvm_vcpu_trigger_posted_interrupt(vcpu, POSTED_INTR_VECTOR);\n', '\tkvm_vcpu_trigger_posted_interrupt(vcpu, POSTED_INTR_VECTOR);\n\tif (pi_test_and_set_pir(vector, &vmx->pi_desc))\n\t\treturn 0;\n');
  const r = await review(editDiff(LINUX_FIX, 'arch/x86/kvm/vmx/vmx.c', move));
  const f = r.patches[0].findings.find((x) => x.rule === 'Q4.1-pir-before-on');
  assert.ok(f, JSON.stringify(r.patches[0].findings));
  assert.match(f.message, /pi_test_and_set_on now comes before pi_test_and_set_pir/);
  assert.equal(r.patches[0].files[0].codebase, 'linux');
});

void test('a comment or a renamed local in a linked function lists its steps and gives no finding', async () => {
  const comment = editDiff(XEN_FIX, E2L, replaceOnce('    evtchn_check_pollers(d, port);', '    /* Wake pollers last. */\n    evtchn_check_pollers(d, port);'));
  const rename = editDiff(XEN_FIX, E2L, (t) => t.replace(/(?<!->)\bport\b(?=[ ;,)/])/g, (m, off: number) => (off > t.indexOf('evtchn_2l_unmask(struct') && off < t.indexOf('static unsigned') ? 'p' : m)));
  for (const d of [comment, rename]) {
    const r = await review(d);
    const p = r.patches[0];
    assert.ok(p.steps.length > 0, 'steps listed');
    assert.deepEqual(p.findings.filter((f) => f.baseline === 'new'), []);
    assert.ok(p.functions.every((f) => f.cosmetic), JSON.stringify(p.functions));
  }
});

void test('an unrelated function gives no step; a changed callee reaches its linked caller', async () => {
  const r = await review(editDiff(XEN_FIX, E2L, replaceOnce('    d->pad = 0;', '    d->pad = 1;')));
  assert.deepEqual(r.patches[0].steps, []);
  assert.match(r.patches[0].verdict, /no interrupt-path step/);
  const callee = await review(editDiff(LINUX_FIX, 'drivers/xen/events/events_2l.c', replaceOnce('\thandle_irq_for_port(idx, ctrl);', '\tif (idx)\n\t\thandle_irq_for_port(idx, ctrl);')));
  const s = callee.patches[0].steps.find((x) => x.how === 'callee');
  assert.ok(s && s.function === 'evtchn_2l_handle_events' && s.via === 'scan_words', JSON.stringify(callee.patches[0].steps));
});

void test('an ops-table binding that joins is reported with the steps of the field', async () => {
  const r = await review(editDiff(XEN_FIX, E2L, replaceOnce('    .unmask        = evtchn_2l_unmask,\n', '    .unmask        = evtchn_2l_unmask,\n    .set_pending_late = evtchn_2l_set_pending,\n')));
  assert.ok(r.patches[0].steps.some((s) => s.how === 'ops-table-join' && s.function === 'evtchn_2l_set_pending'), JSON.stringify(r.patches[0].steps));
});

void test('a series that breaks a contract in 1/3 and restores it in 3/3 is not a finding of the series', async () => {
  const before = fs.readFileSync(path.join(XEN_FIX, E2L), 'utf8');
  const broken = dropMaskTest(before);
  const p1 = gitDiff(E2L, before, broken);
  const p2 = gitDiff(E2L, broken, broken.replace('    d->pad = 0;', '    d->pad = 2;'));
  const p3 = gitDiff(E2L, broken.replace('    d->pad = 0;', '    d->pad = 2;'), before.replace('    d->pad = 0;', '    d->pad = 2;'));
  const cover = `From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\nSubject: [PATCH 0/3] evtchn rework\n\nCover letter.\n\n`;
  const r = await review(cover + mail('[PATCH 1/3] break', p1) + mail('[PATCH 2/3] other', p2) + mail('[PATCH 3/3] restore', p3), 's.mbox');
  assert.equal(r.patches.length, 3);
  assert.deepEqual(r.skipped.map((s) => s.reason), ['cover letter']);
  assert.ok(r.patches[0].findings.some((f) => f.rule === 'X1.6-mask-test' && f.baseline === 'new'));
  assert.ok(r.patches[2].contracts.some((c) => c.contract === 'X1.6-mask-test' && c.delta === 'fixed'));
  assert.deepEqual(r.series.findings.filter((f) => f.severity !== 'info'), []);
  assert.deepEqual(r.series.restored.map((x) => [x.rule, x.brokenIn, x.restoredIn]), [['X1.6-mask-test', 1, 3]]);
  assert.equal(hasNewErrors(r), false);
  assert.match(r.series.verdict, /keeps every contract; X1\.6-mask-test broken in 1 and restored in 3/);
});

void test('a suppression comment in the function suppresses the finding and says so', async () => {
  const d = editDiff(XEN_FIX, E2L, (t) => dropMaskTest(t).replace('    evtchn_check_pollers(d, port);', '    /* irqlens: allow X1.6-mask-test */\n    evtchn_check_pollers(d, port);'));
  const r = await review(d);
  const f = r.patches[0].findings.find((x) => x.rule === 'X1.6-mask-test');
  assert.ok(f?.suppressed);
  assert.equal(hasNewErrors(r), false);
  assert.match(toMarkdown(r), /suppressed \(irqlens: allow at xen\/common\/event_2l\.c:\d+\)/);
});

void test('mboxrd escaping, gzip, CRLF, binary, rename, mode change and a hunk that does not apply are each reported', async () => {
  const before = fs.readFileSync(path.join(XEN_FIX, E2L), 'utf8');
  const bin = 'diff --git a/xen/fw.bin b/xen/fw.bin\nnew file mode 100644\nindex 0000000..e69de29\nGIT binary patch\nliteral 3\nKcmZ?wWB>pF0RR91\n\nliteral 0\nHcmV?d00001\n\n';
  const mode = 'diff --git a/xen/Makefile b/xen/Makefile\nold mode 100644\nnew mode 100755\n';
  const rename = `diff --git a/${E2L} b/xen/common/evtchn_2l.c\nsimilarity index 100%\nrename from ${E2L}\nrename to xen/common/evtchn_2l.c\n`;
  const stale = gitDiff(E2L, before.replace('    d->pad = 0;', '    d->pad = 7;'), before.replace('    d->pad = 0;', '    d->pad = 8;'));
  const body = mail('[PATCH 1/2] mixed', bin + mode + stale, 'Message with a line\n>From the escaped side\n') + mail('[PATCH 2/2] rename', rename);
  const crlfGz = zlib.gzipSync(Buffer.from(body.replace(/\n/g, '\r\n')));
  const r = await reviewInput(crlfGz, 'series.mbox.gz', opts);
  const kinds = r.patches.flatMap((p) => p.files.map((f) => f.kind));
  assert.deepEqual(kinds, ['binary', 'mode-only', 'modified', 'renamed']);
  const [binF, modeF, staleF] = r.patches[0].files;
  assert.match(binF.note ?? '', /GIT binary patch/);
  assert.equal(modeF.mode, '100644 → 100755');
  assert.equal(staleF.rejected?.length, 1);
  assert.match(staleF.rejected![0].reason, /d->pad = 7;/);
  assert.ok(r.patches[0].problems.some((p) => /hunk 1 .* does not apply/.test(p)));
  assert.equal(r.patches[1].files[0].oldPath, E2L);
  assert.match(r.patches[0].verdict, /1 hunk did not apply/);
});

void test('malformed input: truncated hunk, wrong counts, garbage, empty, binary give a named problem or a one-line error', async () => {
  const good = editDiff(XEN_FIX, E2L, dropMaskTest);
  const truncated = good.split('\n').slice(0, -4).join('\n') + '\n';
  const wrongCount = good.replace(/@@ -(\d+),8 \+(\d+),7 @@/, '@@ -$1,9 +$2,7 @@');
  const other = editDiff(LINUX_FIX, 'arch/x86/kvm/vmx/vmx.c', replaceOnce('\treturn 0;\n}', '\treturn 1;\n}'));
  for (const bad of [truncated, wrongCount]) {
    const r = await review(mail('[PATCH] bad', bad + other));
    assert.ok(r.patches[0].problems.some((p) => /event_2l\.c: the diff is malformed/.test(p)), JSON.stringify(r.patches[0].problems));
    assert.ok(r.patches[0].files.some((f) => f.path === 'arch/x86/kvm/vmx/vmx.c' && !f.note), 'the good file is still reviewed');
  }
  const garbage = await review('random words\nnot a mail\n' + mail('[PATCH] ok', other) + 'trailing garbage\n');
  assert.equal(garbage.patches.length, 1);
  assert.ok(garbage.skipped.some((s) => /before the first "From " line/.test(s.reason)));
  // Garbage between two mails (a stray hunk header, control bytes) stays in the first mail's tail: both are reviewed.
  const between = await review(mail('[PATCH 1/2] one', other) + '@@ -1,2 +1,2 @@\n\x01\x02 stray bytes\n>From quoted\n' + mail('[PATCH 2/2] two', editDiff(XEN_FIX, E2L, dropMaskTest)), 's.mbox');
  assert.deepEqual(between.patches.map((p) => p.subject), ['[PATCH 1/2] one', '[PATCH 2/2] two']);
  assert.ok(between.patches[1].findings.some((f) => f.rule === 'X1.6-mask-test'));
  // A diff cut after its headers names the file and says there is nothing in it.
  const headersOnly = await review(mail('[PATCH] cut', good.split('\n').slice(0, 4).join('\n') + '\n'));
  assert.ok(headersOnly.patches[0].problems.some((p) => /event_2l\.c: the diff names the file but holds no hunk/.test(p)), JSON.stringify(headersOnly.patches[0].problems));
  // A 5 MB line in a hunk that does not apply: the reason quotes it cut, one readable line.
  const huge = gitDiff(E2L, `${'y'.repeat(5_000_000)}\n`, 'z\n');
  const h = await review(mail('[PATCH] huge', huge));
  assert.ok(h.patches[0].problems.length > 0 && h.patches[0].problems.every((p) => p.length < 1000), JSON.stringify(h.patches[0].problems).slice(0, 2000));
  await assert.rejects(reviewInput(zlib.gzipSync(Buffer.from(mail('[PATCH] gz', other))).subarray(0, 40), 'cut.mbox.gz', opts), /gzip data could not be decompressed/);
  await assert.rejects(review(''), BadInputError);
  await assert.rejects(review('just some prose\n'), /holds no diff/);
  await assert.rejects(reviewInput(Buffer.from([0, 1, 2, 0]), 'x.bin', opts), /binary data/);
});

void test('a 50 MB mbox generated at test time is reviewed without a crash or a hang', async () => {
  const d = editDiff(XEN_FIX, E2L, replaceOnce('    d->pad = 0;', '    d->pad = 3;'));
  const filler = `${'x'.repeat(76)}\n`.repeat(12000); // ~0.9 MB of commit message per mail
  const one = mail('[PATCH] big', d, filler);
  const n = Math.ceil((50 * 1024 * 1024) / one.length);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-review-')), 'big.mbox');
  fs.writeFileSync(file, one.repeat(n));
  const started = Date.now();
  const r = await reviewInput(fs.readFileSync(file), 'big.mbox', { ...opts, consequences: false });
  assert.equal(r.patches.length, n);
  // Every patch after the first no longer applies (the line already changed): named, not dropped.
  assert.ok(r.patches[1].files[0].rejected?.length);
  assert.ok(Date.now() - started < 120_000);
  fs.rmSync(path.dirname(file), { recursive: true });
});

void test('b4 output is one entry per invocation: a patch gives its own result, a series its net result', async () => {
  const r = await review(editDiff(XEN_FIX, E2L, dropMaskTest));
  const checks = toB4(r);
  assert.equal(checks.length, 1);
  assert.deepEqual(Object.keys(checks[0]).sort(), ['details', 'status', 'summary', 'tool', 'url']);
  assert.equal(checks[0].status, 'fail');
  assert.match(checks[0].details, /X1\.6-mask-test/);
  const broken = gitDiff(E2L, fs.readFileSync(path.join(XEN_FIX, E2L), 'utf8'), dropMaskTest(fs.readFileSync(path.join(XEN_FIX, E2L), 'utf8')));
  const restored = gitDiff(E2L, dropMaskTest(fs.readFileSync(path.join(XEN_FIX, E2L), 'utf8')), fs.readFileSync(path.join(XEN_FIX, E2L), 'utf8'));
  const series = toB4(await review(mail('[PATCH 1/2] break', broken) + mail('[PATCH 2/2] restore', restored), 's.mbox'));
  assert.equal(series.length, 1);
  assert.equal(series[0].status, 'pass', series[0].details);
  assert.match(series[0].details, /X1\.6-mask-test in evtchn_2l_set_pending: broken in 1, restored in 2/);
  assert.ok(!series[0].summary.includes('\n'));
});
