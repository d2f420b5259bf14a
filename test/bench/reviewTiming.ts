// Review timing for `npm run bench`: `irqlens review` run as a user runs it (a fresh CLI process, wall time from GNU
// time) on a 30-patch series and on a single patch against the Linux tree, with a warm cache. The series is made here,
// at bench time, by editing copies of real Linux files in a temporary folder: comments and small statements inside the
// functions the models link, edits of their neighbours, and one patch that moves the posted-interrupt test-and-set
// after the notification (a contract finding) restored by a later one. Nothing of it is stored.
import { createTwoFilesPatch } from 'diff';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { allFlows, allLinks } from '@irqlens/models';
import { parseC } from '../../server/src/engine/review/cFunctions';
import { timed } from './measure';

export interface ReviewTiming {
  seriesPatches: number;
  /** The first review of the series: the review's slice as found (written by `irqlens index`), missing files parsed and cached. */
  firstSeriesS: number;
  /** Wall time of `irqlens review` on the series and on one patch, cache warm. */
  seriesS: number;
  singleS: number;
  seriesCpuS: number;
  singleCpuS: number;
  seriesRssMiB: number;
  singleRssMiB: number;
  /** Steps the series touches and its findings (the work the review did). */
  steps: number;
  findings: number;
  /** 1-minute load average when each timed run started. */
  loadAvg1: { series: number; single: number };
}

const PIR = '\tif (pi_test_and_set_pir(vector, &vmx->pi_desc))\n\t\treturn 0;\n\n';
const NOTIFY = '\tkvm_vcpu_trigger_posted_interrupt(vcpu, POSTED_INTR_VECTOR);\n';

function mail(n: number, of: number, rel: string, subject: string, before: string, after: string): string {
  const body = createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before, after, undefined, undefined, { context: 3 });
  const diff = `diff --git a/${rel} b/${rel}\n${body.slice(body.indexOf('--- '))}`;
  return `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Bench <bench@example.org>\nSubject: [PATCH ${n}/${of}] ${subject}\n\nMade by the benchmark.\n---\n${diff}-- \n2.39.2\n\n`;
}

/** Inserts `line` after the opening brace of function `name` in `text`; undefined when the function is not found. */
function intoBody(text: string, rel: string, name: string, line: string): string | undefined {
  const fn = parseC(text, rel).functions.find((f) => f.kind === 'function' && f.name === name);
  if (!fn) return undefined;
  const lines = text.split('\n');
  for (let l = fn.nameLine; l <= fn.endLine; l++) {
    if (lines[l].trimEnd().endsWith('{')) {
      lines.splice(l + 1, 0, line);
      return lines.join('\n');
    }
  }
  return undefined;
}

/**
 * A series of `count` patches over copies of Linux files in `work` (each patch on top of the previous ones); written
 * to `work/series.mbox`, the first patch alone to `work/single.patch`. Returns the two paths.
 */
export function writeBenchSeries(linuxRoot: string, work: string, count = 30): { series: string; single: string } {
  const linked = new Map<string, string[]>();
  for (const ref of allLinks(allFlows)) {
    if (ref.link.codebase !== 'linux' || !ref.link.file || !fs.existsSync(path.join(linuxRoot, ref.link.file))) continue;
    const list = linked.get(ref.link.file) ?? [];
    if (!list.includes(ref.link.symbol)) list.push(ref.link.symbol);
    linked.set(ref.link.file, list);
  }
  const targets = [...linked].sort(([a], [b]) => a.localeCompare(b)).flatMap(([rel, syms]) => syms.map((s) => ({ rel, sym: s })));
  if (!targets.length) throw new Error('no linked Linux function found in the tree');
  const copy = (rel: string) => {
    const at = path.join(work, 'tree', rel);
    if (!fs.existsSync(at)) {
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.copyFileSync(path.join(linuxRoot, rel), at);
    }
    return at;
  };
  const mails: string[] = [];
  const VMX = 'arch/x86/kvm/vmx/vmx.c';
  let pirMoved = false;
  /** Patch 5 moves the test-and-set after the notification (Q4.1 breaks); patch 20 puts it back. */
  const special = (n: number): { subject: string; before: string; after: string } | undefined => {
    if ((n !== 5 && n !== 20) || !fs.existsSync(path.join(linuxRoot, VMX))) return undefined;
    const file = copy(VMX);
    const before = fs.readFileSync(file, 'utf8');
    if (n === 5 && before.split(PIR).length === 2 && before.split(NOTIFY).length === 2) {
      pirMoved = true;
      return { subject: 'KVM: VMX: set the PIR bit after the notification', before, after: before.replace(PIR, '').replace(NOTIFY, NOTIFY + PIR) };
    }
    if (n === 20 && pirMoved) {
      // Back before the line that followed it in the original.
      const orig = fs.readFileSync(path.join(linuxRoot, VMX), 'utf8');
      const anchor = `${orig.slice(orig.indexOf(PIR) + PIR.length).split('\n', 1)[0]}\n`;
      const without = before.replace(NOTIFY + PIR, NOTIFY);
      if (without.split(anchor).length === 2) return { subject: 'KVM: VMX: set the PIR bit before the notification again', before, after: without.replace(anchor, PIR + anchor) };
    }
    return undefined;
  };
  for (let t = 0; mails.length < count && t < targets.length * 4; t++) {
    const n = mails.length + 1;
    const sp = special(n);
    if (sp) {
      fs.writeFileSync(copy(VMX), sp.after);
      mails.push(mail(n, count, VMX, sp.subject, sp.before, sp.after));
      continue;
    }
    const { rel, sym } = targets[(t * 7) % targets.length];
    const file = copy(rel);
    const before = fs.readFileSync(file, 'utf8');
    // Alternate a comment (cosmetic: steps listed, no finding) and a compiler barrier (contracts checked on both sides).
    const after = intoBody(before, rel, sym, t % 2 === 0 ? `\t/* bench note ${n}: ${sym} is on an interrupt path */` : '\tbarrier();');
    if (after === undefined || after === before) continue;
    fs.writeFileSync(file, after);
    mails.push(mail(n, count, rel, `${path.basename(rel, '.c')}: ${t % 2 === 0 ? 'comment' : 'barrier'} in ${sym}`, before, after));
  }
  const series = path.join(work, 'series.mbox');
  const single = path.join(work, 'single.patch');
  fs.writeFileSync(series, mails.map((m) => m.replace(/\/\d+\]/, `/${mails.length}]`)).join(''));
  fs.writeFileSync(single, mails[0].replace(/\[PATCH \d+\/\d+\]/, '[PATCH]'));
  return { series, single };
}

/** `irqlens review` (the CLI at `cli`) on a generated series and on one patch, with the cache in `cacheDir`. */
export async function measureReview(cli: string, linuxRoot: string, cacheDir: string): Promise<ReviewTiming> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-review-bench-'));
  try {
    const { series, single } = writeBenchSeries(linuxRoot, work);
    const args = (input: string) => [cli, 'review', input, '--tree', linuxRoot, '--cache-dir', cacheDir, '--format', 'json'];
    // Exit 1 means "a new error-level finding" (the series has one on purpose): a result, not a failure.
    const run = async (input: string) => {
      const loadAvg1 = +os.loadavg()[0].toFixed(2);
      const r = await timed('sh', ['-c', '"$@"; s=$?; [ $s -le 1 ] && exit 0 || exit $s', 'sh', process.execPath, ...args(input)], work);
      return { ...r, loadAvg1 };
    };
    const first = await run(series);
    const s = await run(series);
    const one = await run(single);
    const result = JSON.parse(s.stdout) as { patches: { findings: unknown[] }[]; series: { steps: unknown[] } };
    return {
      seriesPatches: result.patches.length,
      firstSeriesS: first.wallS,
      seriesS: s.wallS,
      singleS: one.wallS,
      seriesCpuS: s.cpuS,
      singleCpuS: one.cpuS,
      seriesRssMiB: s.peakRssMiB,
      singleRssMiB: one.peakRssMiB,
      steps: result.series.steps.length,
      findings: result.patches.reduce((n, p) => n + p.findings.length, 0),
      loadAvg1: { series: s.loadAvg1, single: one.loadAvg1 },
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
