// SARIF output: validated with ajv against the official SARIF 2.1.0 JSON schema (draft-04), as shipped by
// @microsoft/jest-sarif (or the file IRQLENS_SARIF_SCHEMA names); the properties code scanning reads are checked too.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { test } from 'node:test';
import Ajv from 'ajv-draft-04';
import * as path from 'node:path';
import { toSarif } from '../../server/src/engine/review/format/sarif';
import { reviewInput } from '../../server/src/engine/review/reviewSeries';
import { editDiff, replaceOnce, XEN_FIX } from './patchKit';

async function sarifOfBrokenMaskTest() {
  const d = editDiff(XEN_FIX, 'xen/common/event_2l.c', replaceOnce(/ +if \( !guest_test_bit\(d, port, &shared_info\(d, evtchn_mask\)\) &&\n {9}/, '    if ( '));
  return toSarif(await reviewInput(Buffer.from(d), 'p.patch', { trees: [XEN_FIX] }), '0.1.0');
}

void test('SARIF has rules with help, a primary location on the changed line, the contract site, a code flow and stable fingerprints', async () => {
  const log = await sarifOfBrokenMaskTest();
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0];
  const rule = run.tool.driver.rules?.find((r) => r.id === 'X1.6-mask-test');
  assert.ok(rule?.help?.text && rule.shortDescription?.text);
  const res = run.results?.find((r) => r.ruleId === 'X1.6-mask-test');
  assert.ok(res);
  assert.equal(res.locations?.[0].physicalLocation?.region?.startLine, 13);
  assert.equal(res.relatedLocations?.[0].physicalLocation?.artifactLocation?.uri, 'xen/common/event_2l.c');
  const steps = res.codeFlows?.[0].threadFlows[0].locations ?? [];
  assert.ok(steps.length > 5 && steps.some((l) => l.importance === 'essential'));
  assert.equal(res.baselineState, 'new');
  const cons = (res.properties as { consequence?: { scenario: string; sentence: string } } | undefined)?.consequence;
  assert.ok(cons && cons.sentence.startsWith('In scenario ') && res.message.text?.includes(cons.sentence), JSON.stringify(res.properties));
  const again = await sarifOfBrokenMaskTest();
  assert.deepEqual(again.runs[0].results?.[0].partialFingerprints, res.partialFingerprints);
});

void test('SARIF validates against the official 2.1.0 schema', async (t) => {
  const shipped = path.join(__dirname, '..', '..', 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
  const schemaPath = process.env.IRQLENS_SARIF_SCHEMA ?? shipped;
  if (!fs.existsSync(schemaPath)) {
    t.skip(`no SARIF 2.1.0 schema offline (${schemaPath} missing: npm install, or set IRQLENS_SARIF_SCHEMA)`);
    return;
  }
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  assert.equal(validate({ version: '2.1.0', runs: [{ results: [] }] }), false, 'the schema rejects a run without a tool');
  const ok = validate(await sarifOfBrokenMaskTest());
  assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5)));
});
