// The parse workers' warm-up text must keep touching what it is there for: the lexer's rare paths (continuations,
// hidden `#else` branches, untrusted brackets, an unended comment) and every kind of record the extraction makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../../server/src/engine/index/cTokens';
import { extractSource } from '../../server/src/engine/index/extract';
import { WARMUP_ODD, WARMUP_SOURCE, warmExtraction } from '../../server/src/engine/index/workerWarmup';
import { recordTuples } from './recordTuples';

void test('the warm-up text reaches the lexer paths it is meant to', () => {
  const t = tokenize(WARMUP_SOURCE);
  assert.equal(t.unsure, undefined);
  assert.ok(t.hidden.length >= 4, 'two #elif/#else branches left out');
  assert.match(WARMUP_SOURCE, /\\\r\n/);
  assert.match(WARMUP_SOURCE, /extern "C" \{/);
  const odd = WARMUP_ODD.map((x) => tokenize(x));
  assert.ok(odd.filter((x) => /unclosed/.test(x.unsure ?? '')).length >= 1);
  assert.ok(odd.filter((x) => /unbalanced/.test(x.unsure ?? '')).length >= 2);
  assert.ok(odd.some((x) => x.unendedComment !== undefined));
});

void test('the warm-up text gives every kind of record, and the warm-up runs through', () => {
  const r = recordTuples(extractSource(WARMUP_SOURCE, 'warmup.c', WARMUP_SOURCE.length, 0).record);
  for (const kind of ['macro', 'typedef', 'enumerator', 'function', 'prototype', 'struct', 'enum', 'union', 'variable']) {
    assert.ok(r.symbols.some((s) => s.startsWith(`${kind} `)), kind);
  }
  assert.ok(r.calls.includes('note in ack_one @35:2'), 'a call in a hidden branch');
  assert.ok(r.icalls.some((c) => c.startsWith('ack in ack_one') && c.includes('recv=d->ops base=desc')));
  assert.ok(r.binds.some((b) => b.startsWith('ack=ack_one table=chip_ops:ops')));
  assert.ok(r.binds.some((b) => b.startsWith('handler=mask_one') && b.includes('flags=1')));
  // The warm-up itself runs through without throwing (a worker calls it before its first batch).
  warmExtraction();
});
