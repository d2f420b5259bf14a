// `irqlens review --format b4 -` as b4 runs an external check (b4.review-perpatch-check-cmd): one RFC 2822 message on
// stdin — its headers as received, its body already decoded, no mbox `From ` line — and the command run in the tree's
// top folder. What comes back is read the way b4 documents it (docs/maintainer/review.rst, "Writing an external
// check script"): stdout holds a JSON array (an object alone is taken as one entry); empty stdout is "nothing to
// report" unless the exit code is not zero, then an execution failure; each entry needs `tool` and a status among
// pass / warn / fail (anything else counts as fail); summary, url and details are optional strings. Results are kept
// per message and tool, so a second entry for the same tool would overwrite the first: one entry per invocation.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { editDiff, replaceOnce, XEN_FIX } from './patchKit';

const repo = path.join(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-review-b4-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface B4Result {
  tool: string;
  status: 'pass' | 'warn' | 'fail';
  summary: string;
  url: string;
  details: string;
}

/** The check's output as b4 reads it, plus what b4 would have to guess or drop (so the test can say it is none). */
function readAsB4(stdout: string, code: number | null): { results: B4Result[]; guessed: string[] } {
  const guessed: string[] = [];
  if (!stdout.trim()) return { results: code ? [{ tool: 'irqlens', status: 'fail', summary: `exited with error code ${code}`, url: '', details: '' }] : [], guessed: code ? ['execution error'] : [] };
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch (e) {
    return { results: [{ tool: 'irqlens', status: 'fail', summary: `invalid JSON output: ${(e as Error).message}`, url: '', details: stdout }], guessed: ['invalid JSON'] };
  }
  if (!Array.isArray(data)) {
    guessed.push('not an array');
    data = [data];
  }
  const results: B4Result[] = [];
  for (const entry of data as unknown[]) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      guessed.push('an entry that is not an object');
      continue;
    }
    const e = entry as Record<string, unknown>;
    if (typeof e.tool !== 'string') guessed.push('no tool');
    if (!['pass', 'warn', 'fail'].includes(e.status as string)) guessed.push(`status ${String(e.status)}`);
    for (const k of ['summary', 'url', 'details']) if (e[k] !== undefined && typeof e[k] !== 'string') guessed.push(`${k} is not a string`);
    results.push({
      tool: typeof e.tool === 'string' ? e.tool : 'irqlens',
      status: ['pass', 'warn', 'fail'].includes(e.status as string) ? (e.status as B4Result['status']) : 'fail',
      summary: (e.summary as string) ?? '',
      url: (e.url as string) ?? '',
      details: (e.details as string) ?? '',
    });
  }
  const tools = results.map((r) => r.tool);
  if (new Set(tools).size !== tools.length) guessed.push('two entries for one tool (the second overwrites the first)');
  for (const r of results) if (r.summary.includes('\n')) guessed.push('a summary on several lines');
  return { results, guessed };
}

/** A message as b4 hands it to a check: headers, a blank line, the decoded body; no `From ` separator. */
function b4Message(subject: string, body: string, extraHeaders: string[] = []): string {
  return [
    'From: Test Author <author@example.org>',
    `Subject: ${subject}`,
    'Date: Thu, 03 Dec 2026 08:00:00 +0000',
    'Message-ID: <20261203080000.1-test@example.org>',
    'Content-Type: text/plain; charset="utf-8"',
    ...extraHeaders,
    '',
    body,
  ].join('\n');
}

const patchBody = (diff: string) => `Reviewed by the b4 test.\n\nSigned-off-by: Test Author <author@example.org>\n---\n${diff}-- \n2.39.2\n`;

/** Runs the check in a copy of the fixture tree (b4 runs it in the tree's top folder), message on stdin. */
function runCheck(format: string, message: string): { stdout: string; stderr: string; code: number | null } {
  const loader = pathToFileURL(path.join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const r = spawnSync(process.execPath, ['--import', loader, path.join(repo, 'server', 'src', 'cli', 'main.ts'), 'review', '--format', format, '--cache-dir', path.join(tmp, 'cache'), '-'], {
    cwd: XEN_FIX,
    input: message,
    encoding: 'utf8',
  });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

function check(message: string): { results: B4Result[]; guessed: string[]; code: number | null; stderr: string } {
  const r = runCheck('b4', message);
  return { ...readAsB4(r.stdout, r.code), code: r.code, stderr: r.stderr };
}

/**
 * The line protocol of `b4 prep --check` and `b4 am` checks (prep-/am-perpatch-check-cmd), as b4 reads it: each stdout
 * line is a report, `fail` when it holds `ERROR:` and a warning otherwise; each stderr line is a failure; no output at
 * all is "passed all checks" with exit 0, a failure otherwise.
 */
function readAsB4Lines(stdout: string, stderr: string, code: number | null): [string, string][] {
  const report: [string, string][] = [];
  for (const line of stdout.trim() ? stdout.trim().split('\n') : []) report.push([line.includes('ERROR:') ? 'fail' : 'warning', line.replace(/^-:/, '')]);
  for (const line of stderr.trim() ? stderr.trim().split('\n') : []) report.push(['fail', line.replace(/^-:/, '')]);
  if (!report.length) report.push(code ? ['fail', `Exited with error code ${code}`] : ['success', 'passed all checks']);
  return report;
}

const E2L = 'xen/common/event_2l.c';
const dropMaskTest = replaceOnce(/ +if \( !guest_test_bit\(d, port, &shared_info\(d, evtchn_mask\)\) &&\n {9}/, '    if ( ');

void test('b4 per-patch check: a patch breaking a contract is one fail entry for the tool, details naming the rule and its consequence', () => {
  const r = check(b4Message('[PATCH 2/3] xen/evtchn: drop the mask test', patchBody(editDiff(XEN_FIX, E2L, dropMaskTest))));
  assert.deepEqual(r.guessed, [], r.stderr);
  assert.equal(r.results.length, 1);
  const [res] = r.results;
  assert.equal(res.tool, 'irqlens');
  assert.equal(res.status, 'fail');
  assert.match(res.summary, /breaks X1\.6-mask-test/);
  assert.match(res.details, /^error X1\.6-mask-test xen\/common\/event_2l\.c:\d+ evtchn_2l_set_pending: /m);
  assert.match(res.details, /^ {2}consequence \(/m);
});

void test('b4 per-patch check: a harmless patch passes; one that does not apply warns and says which hunk', () => {
  const ok = check(b4Message('[PATCH] xen/evtchn: pad', patchBody(editDiff(XEN_FIX, E2L, replaceOnce('    d->pad = 0;', '    d->pad = 1;')))));
  assert.deepEqual(ok.guessed, []);
  assert.deepEqual(ok.results.map((x) => x.status), ['pass']);
  const stale = editDiff(XEN_FIX, E2L, replaceOnce('    d->pad = 0;', '    d->pad = 1;')).replace(/^ {4}d->pad = 0;$/m, '    d->pad = 7;').replace(/^-    d->pad = 0;$/m, '-    d->pad = 7;');
  const bad = check(b4Message('[PATCH] xen/evtchn: stale', patchBody(stale)));
  assert.deepEqual(bad.guessed, []);
  assert.equal(bad.results[0].status, 'warn', JSON.stringify(bad.results));
  assert.match(bad.results[0].details, /^problem: .*hunk 1 .*does not apply/m);
});

void test('b4 series check: the cover letter alone is an empty list (nothing to report), exit 0', () => {
  const r = check(b4Message('[PATCH 0/3] xen/evtchn: a series', 'This series reworks the 2-level port.\n\nTest Author (3):\n  xen/evtchn: one\n'));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.results, []);
  assert.deepEqual(r.guessed, []);
});

void test('b4 keeps a quoted-printable or base64 header above the body it already decoded: the patch is read as it is', () => {
  const diff = editDiff(XEN_FIX, E2L, (t) => dropMaskTest(replaceOnce('    d->pad = 0;', '    d->pad = 1;')(t)));
  assert.match(diff, /= 1;/, 'the diff holds a literal "=" that quoted-printable decoding would mangle');
  for (const cte of ['quoted-printable', 'base64']) {
    const r = check(b4Message('[PATCH] xen/evtchn: drop the mask test', patchBody(diff), [`Content-Transfer-Encoding: ${cte}`]));
    assert.deepEqual(r.guessed, [], `${cte}: ${r.stderr}`);
    assert.equal(r.results[0]?.status, 'fail', `${cte}: ${JSON.stringify(r.results)} ${r.stderr}`);
  }
});

void test('b4 prep --check / am checks: --format checkpatch prints one ERROR line per new error and nothing on a clean patch', () => {
  const bad = runCheck('checkpatch', b4Message('[PATCH] xen/evtchn: drop the mask test', patchBody(editDiff(XEN_FIX, E2L, dropMaskTest))));
  const report = readAsB4Lines(bad.stdout, bad.stderr, bad.code);
  assert.equal(report.length, 1, JSON.stringify(report));
  assert.equal(report[0][0], 'fail');
  assert.match(report[0][1], /^xen\/common\/event_2l\.c:\d+: ERROR: X1\.6-mask-test evtchn_2l_set_pending: /);
  const ok = runCheck('checkpatch', b4Message('[PATCH] xen/evtchn: pad', patchBody(editDiff(XEN_FIX, E2L, replaceOnce('    d->pad = 0;', '    d->pad = 1;')))));
  assert.deepEqual(readAsB4Lines(ok.stdout, ok.stderr, ok.code), [['success', 'passed all checks']]);
});
