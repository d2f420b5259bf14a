// The rules registry and the references to it: every rule id a step, a contract or a scenario names exists, every rule
// says where a reader can check it, and nothing in the models points at files a user of the project does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, allRules, findRule } from '@irqlens/models';

const RULE_ID = /\b[XQ]R\d+[a-d]?\b/g;
const scenarioDir = path.join(__dirname, '..', '..', 'models', 'scenarios');

void test('rule ids are unique and every rule has a title, a text and somewhere to check it', () => {
  const ids = new Set<string>();
  for (const r of allRules) {
    assert.match(r.id, /^[XQ]R\d+[a-d]?$/, r.id);
    assert.ok(!ids.has(r.id), `${r.id} is unique`);
    ids.add(r.id);
    assert.ok(r.title.length > 5 && r.text.length > 40, `${r.id} has a title and a text`);
    assert.ok(r.checkIn.length > 0 && r.checkIn.every((c) => /SDM|VT-d|specification|datasheet|\(.+\/.+\)/.test(c)), `${r.id}: each reference names an SDM section, a specification or a file`);
  }
  assert.equal(findRule('XR9')?.title, 'a masked port only latches');
  assert.equal(findRule('R9'), undefined);
});

void test('every rule id named by a step, a contract, a role or a scenario is in the registry', () => {
  const named = new Map<string, string>();
  for (const f of allFlows) {
    for (const s of f.steps) {
      for (const id of s.rules ?? []) named.set(id, s.id);
      for (const id of s.role.match(RULE_ID) ?? []) named.set(id, `${s.id} role`);
      for (const c of s.contracts ?? []) for (const id of c.source.match(RULE_ID) ?? []) named.set(id, c.id);
    }
  }
  for (const file of fs.readdirSync(scenarioDir).filter((n) => n.endsWith('.json') && !n.includes('schema'))) {
    const raw = JSON.parse(fs.readFileSync(path.join(scenarioDir, file), 'utf8')) as { source?: string };
    for (const id of raw.source?.match(RULE_ID) ?? []) named.set(id, file);
  }
  assert.ok(named.size > 50, `${named.size} rules named`);
  for (const [id, where] of named) assert.ok(findRule(id), `${where} names ${id}, which is not in the registry`);
});

void test('step and contract references are rule ids, checkable sources or our own docs, never files the user lacks', () => {
  const refersToOwnDocs = /^docs\/flows\/[A-Z]\d+\.md#[a-z0-9-]+$/;
  for (const f of allFlows) {
    for (const s of f.steps) {
      const texts = [s.role, s.source ?? '', ...s.links.map((l) => `${l.note ?? ''} ${(l.formerly ?? []).map((x) => x.in).join(' ')}`)];
      for (const t of texts) assert.doesNotMatch(t, /\.md\b|\bseed\b|catalogue|§/i, `${s.id}: ${t}`);
      for (const c of s.contracts ?? []) {
        assert.ok(refersToOwnDocs.test(c.source) || c.source.split('; ').every((p) => /^[XQ]R\d+[a-d]?$/.test(p) || /SDM|VT-d|Linux \d/.test(p)), `${c.id}: ${c.source}`);
      }
    }
  }
});
