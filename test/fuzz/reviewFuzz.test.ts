// Fuzz: mutated patches and mailboxes through `irqlens review`'s engine. A clean rejection is a BadInputError (one
// line); anything else thrown is a crash; over five seconds is a hang; a result without a verdict, or a problem that
// is not one readable line, is a wrong answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { BadInputError } from '../../server/src/engine/review/mailSplit';
import { reviewInput } from '../../server/src/engine/review/reviewSeries';
import { editDiff, LINUX_FIX, mail, replaceOnce, XEN_FIX } from '../review/patchKit';
import { seeded } from '../models/seededRandom';
import { clean, counts, LONG, report } from './fuzzCounts';
import { mutateText } from './mutate';

/** Pieces of diffs and mail that parsers trip on. */
const DIFF_FRAGMENTS = ['@@ -1,3 +1,3 @@\n', '@@ -0,0 +1 @@\n', 'diff --git a/x b/y\n', '--- a/\n', '+++ b/\n', '\\ No newline at end of file\n', 'GIT binary patch\nliteral 3\n', 'From 0 Mon Sep 17 00:00:00 2001\n', '>From \n', 'Subject: =?utf-8?B?=?=\n', '-- \n', 'rename from \n', 'new file mode 100644\n', '\r\n', '+\n', '-\n', ' \n'];

void test('fuzz: mutated patches and mailboxes through review', async (t) => {
  const c = counts('review');
  const rng = seeded(812);
  const e2l = 'xen/common/event_2l.c';
  const base = [
    mail('[PATCH] drop the mask test', editDiff(XEN_FIX, e2l, replaceOnce(/ +if \( !guest_test_bit\(d, port, &shared_info\(d, evtchn_mask\)\) &&\n {9}/, '    if ( '))),
    mail('[PATCH 1/2] pad', editDiff(XEN_FIX, e2l, replaceOnce('    d->pad = 0;', '    d->pad = 1;'))) + mail('[PATCH 2/2] vmx', editDiff(LINUX_FIX, 'arch/x86/kvm/vmx/vmx.c', replaceOnce('\treturn 0;\n}', '\treturn 1;\n}'))),
  ];
  const n = LONG ? 2000 : 120;
  for (let i = 0; i < n; i++) {
    let text = rng.pick(base);
    for (let k = rng.int(1, 4); k > 0; k--) {
      text = rng.bool(0.5) ? mutateText(rng, text, 1) : (() => {
        const at = rng.int(0, text.length);
        return text.slice(0, at) + rng.pick(DIFF_FRAGMENTS).repeat(rng.bool(0.1) ? rng.int(10, 2000) : 1) + text.slice(at);
      })();
    }
    let input = Buffer.from(text);
    if (rng.bool(0.1)) input = zlib.gzipSync(input).subarray(0, rng.bool(0.5) ? undefined : rng.int(1, 200));
    c.tried++;
    const t0 = performance.now();
    try {
      const r = await reviewInput(input, 'fuzz.mbox', { trees: [XEN_FIX, LINUX_FIX], consequences: rng.bool(0.3) });
      if (!r.series.verdict || r.patches.some((p) => !p.verdict)) c.wrong.push(`#${i}: a result without a verdict`);
      const lines = r.patches.flatMap((p) => p.problems);
      if (lines.some((p) => p.includes('\n') || p.length > 2000)) c.wrong.push(`#${i}: a problem that is not one readable line`);
    } catch (e) {
      if (!(e instanceof BadInputError) || e.message.includes('\n')) c.crashes.push(`#${i}: ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e)}`);
    }
    const ms = performance.now() - t0;
    if (ms > 5000) c.hangs.push(`#${i}: ${Math.round(ms)} ms`);
  }
  t.diagnostic(report(c).split('\n')[0]);
  assert.ok(clean(c), report(c));
});
