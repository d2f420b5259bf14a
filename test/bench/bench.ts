// `npm run bench`: GNU Global, universal-ctags and `irqlens index` (cold, then warm) on the real Xen, QEMU and Linux trees,
// plus workspace-symbol and call-hierarchy latency on the Linux index. Writes JSON and a Markdown table (stdout, README).
// Not a test: numbers depend on the machine and on what else runs; the load average is recorded with them.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { measureCoreScaling } from './coreScaling';
import { GNU_TIME, irqlensStats, timed, type TimedRun } from './measure';
import { summariseProfiles } from './profileSummary';
import { cFiles, copyTree, editEveryNth } from './reuseRuns';
import { medianRow, REPEAT_BELOW_S, roundsFor } from './repeats';
import { checkTargets, renderMarkdown, writeIntoReadme, type BenchReport, type ToolRun, type TreeResult } from './report';

/** The repository root: the nearest folder above this file (bundled in out/, or run from test/bench) with the fetch script. */
function repoRoot(): string {
  for (let d = __dirname; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'scripts/fetch-trees.sh')) && existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) throw new Error(`no repository root above ${__dirname}`);
  }
}
const REPO = repoRoot();
const TREE_KEYS = { xen: 'XEN', qemu: 'QEMU', linux: 'LINUX' } as const;
type TreeName = keyof typeof TREE_KEYS;

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

/** The Debian package version (what a reader can install to reproduce), else the tool's own first line. */
function toolVersion(debPackage: string, cmd: string): string {
  const deb = spawnSync('dpkg-query', ['-W', '-f', '${Version}', debPackage], { encoding: 'utf8' });
  if (deb.status === 0 && deb.stdout.trim()) return `${deb.stdout.trim()} (Debian)`;
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').split('\n')[0].split(',')[0].trim() || 'unknown';
}

/** Tree roots from scripts/fetch-trees.sh (KEY=path lines; it reuses unpacked trees and honours IRQLENS_XEN etc.). */
function treeRoots(): Record<TreeName, string> {
  const out = execFileSync('bash', [path.join(REPO, 'scripts/fetch-trees.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const kv = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const roots = {} as Record<TreeName, string>;
  for (const [name, key] of Object.entries(TREE_KEYS) as [TreeName, string][]) {
    if (!kv[key] || !existsSync(kv[key])) throw new Error(`fetch-trees.sh gave no usable ${key} tree`);
    roots[name] = kv[key];
  }
  return roots;
}

function duMiB(p: string): number | undefined {
  const r = spawnSync('du', ['-sk', p], { encoding: 'utf8' });
  const kib = Number(r.stdout.split(/\s/)[0]);
  return Number.isFinite(kib) ? +(kib / 1024).toFixed(1) : undefined;
}

/** One untimed read of the sources, so that whichever tool runs first does not pay for the disk alone. */
function warmPageCache(root: string): void {
  spawnSync('sh', ['-c', "find . -type f \\( -name '*.[chsS]' -o -name '*.cc' -o -name '*.cpp' -o -name '*.y' \\) -print0 | xargs -0 cat > /dev/null"], { cwd: root, stdio: 'ignore' });
}

function toRun(tool: ToolRun['tool'], r: TimedRun & { loadAvg1: number }, extra: Partial<ToolRun> = {}): ToolRun {
  const { wallS, userS, sysS, cpuS, peakRssMiB, command, loadAvg1 } = r;
  return { tool, wallS, userS, sysS, cpuS, peakRssMiB, command, loadAvg1: +loadAvg1.toFixed(2), ...extra };
}

/** `timed`, with the load average at the start recorded. */
async function timedWithLoad(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<TimedRun & { loadAvg1: number }> {
  const loadAvg1 = os.loadavg()[0];
  return { ...(await timed(cmd, args, cwd, env)), loadAvg1 };
}

/** One line per cold build: the main thread's steps and the workers' phases (ms), from `irqlens index --json`. */
function profileLine(stats: Record<string, unknown> | undefined): string | undefined {
  const p = stats?.profile as { main: Record<string, number>; workers: { ms: Record<string, number>; files: number; bytes: number } } | undefined;
  if (!p) return undefined;
  const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ');
  const w = p.workers;
  const total = Object.values(w.ms).reduce((a, b) => a + b, 0);
  return `main (s): ${fmt(p.main)} | workers (s, ${w.files} files, ${(w.bytes / 1e6).toFixed(0)} MB, ${(total / 1000).toFixed(1)} s): ${fmt(w.ms)}`;
}


type ToolSet = Set<'gtags' | 'ctags' | 'irqlens'>;

async function benchTree(tree: TreeName, root: string, scratch: string, cli: string, tools: ToolSet, repeat: number, profileDir?: string): Promise<{ result: TreeResult; cacheDir?: string }> {
  const dir = path.join(scratch, tree);
  mkdirSync(dir, { recursive: true });
  log(`${tree}: reading ${root} into the page cache`);
  warmPageCache(root);

  // The tools take turns, round after round (see repeats.ts), so a slow spell of the machine falls on all of them.
  const samples = new Map<ToolRun['tool'], ToolRun[]>();
  const add = (r: ToolRun) => samples.set(r.tool, [...(samples.get(r.tool) ?? []), r]);
  let cacheDir: string | undefined;
  let rounds = 1;
  for (let round = 0; round < rounds; round++) {
    const tag = rounds > 1 || round > 0 ? ` (round ${round + 1} of ${rounds})` : '';
    if (tools.has('gtags')) {
      const gtagsDb = path.join(dir, `gtags-${round}`);
      mkdirSync(gtagsDb);
      log(`${tree}: gtags${tag}`);
      const g = await timedWithLoad('gtags', ['--skip-unreadable', gtagsDb], root);
      add(toRun('gtags', g, { outputMiB: duMiB(gtagsDb) }));
      rmSync(gtagsDb, { recursive: true, force: true });
    }

    if (tools.has('ctags')) {
      const tagsFile = path.join(dir, `tags-${round}`);
      log(`${tree}: ctags${tag}`);
      // universal-ctags maps *.h to C++; C headers are C here, and every tool must read the same files.
      const c = await timedWithLoad('ctags', ['-R', '--languages=C', '--langmap=C:+.h', '-f', tagsFile, '.'], root);
      // Function definitions (kind f): the same count the recall test compares irqlens against.
      const f = spawnSync('grep', ['-c', '-P', ';"\tf(\t|$)', tagsFile], { encoding: 'utf8' });
      add(toRun('ctags', c, { outputMiB: duMiB(tagsFile), functions: Number(f.stdout.trim()) || undefined }));
      rmSync(tagsFile, { force: true });
    }

    if (tools.has('irqlens')) {
      // A fresh cache folder per round: the cold run finds nothing, the warm one everything the cold one wrote. The
      // last round's is kept for the reuse runs and the query latency.
      if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
      cacheDir = path.join(dir, `irqlens-cache-${round}`);
      for (const tool of ['irqlens cold', 'irqlens warm'] as const) {
        log(`${tree}: ${tool}${tag}`);
        // With --profile, the first cold run writes a CPU profile of its main thread and of each parse worker.
        const prof = profileDir && tool === 'irqlens cold' && round === 0 ? path.join(profileDir, tree) : undefined;
        if (prof) mkdirSync(prof, { recursive: true });
        const nodeArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
        const env = prof ? { ...process.env, IRQLENS_WORKER_CPU_PROF: prof } : process.env;
        const r = await timedWithLoad(process.execPath, [...nodeArgs, cli, 'index', root, '--cache-dir', cacheDir, '--json'], root, env);
        const stats = irqlensStats(r.stdout);
        add(toRun(tool, r, { command: 'node out/cli.js index <tree> --cache-dir <scratch> --json', irqlens: stats, outputMiB: duMiB(cacheDir) }));
        const line = tool === 'irqlens cold' ? profileLine(stats) : undefined;
        if (line) log(`${tree}: ${line}`);
        if (prof) {
          const sum = summariseProfiles(prof);
          log(`${tree}: CPU profiles in ${prof} (${sum.profiles} threads, ${(sum.totalMs / 1000).toFixed(1)} s sampled); self time:`);
          for (const f of sum.functions) log(`${tree}:   ${(f.selfMs / 1000).toFixed(2).padStart(7)} s  ${f.name}`);
        }
      }
    }
    if (round === 0) rounds = roundsFor([...samples.values()].map((s) => s[0].wallS), repeat);
  }

  const runs: ToolRun[] = [];
  for (const [tool, list] of samples) {
    const row = medianRow(list);
    runs.push(row);
    log(`${tree}: ${tool.padEnd(12)} wall ${row.wallS}s cpu ${row.cpuS}s rss ${row.peakRssMiB} MiB` + (row.runs ? ` (median of ${row.runs}; wall ${row.wallMinS}-${row.wallMaxS}s)` : ''));
  }
  return { result: { tree, root, runs }, cacheDir };
}

/**
 * Content-addressed reuse: a copy of the tree with 5% of its `.c` files changed, indexed into the tree's warm cache (a
 * second version next to the first), then another 5% changed in the copy and re-indexed (a checkout). Runs last, so
 * the copy's reads do not disturb the other measurements; the rows join the tree's table.
 */
async function benchReuse(result: TreeResult, cli: string, cacheDir: string, scratch: string): Promise<void> {
  const copy = path.join(scratch, `${result.tree}-second-version`);
  log(`${result.tree}: copying the tree for the second-version run`);
  copyTree(result.root, copy);
  try {
    const files = cFiles(copy);
    for (const [tool, offset] of [['irqlens second version', 0], ['irqlens checkout 5%', 10]] as const) {
      const changed = editEveryNth(copy, files, 0.05, offset, `irqlens bench: ${tool}`);
      warmPageCache(copy);
      log(`${result.tree}: ${tool} (${changed} of ${files.length} .c files changed)`);
      const r = await timedWithLoad(process.execPath, [cli, 'index', copy, '--cache-dir', cacheDir, '--json'], copy);
      const stats = irqlensStats(r.stdout);
      result.runs.push(toRun(tool, r, { command: `node out/cli.js index <copy, ${changed} .c files changed> --cache-dir <the tree's warm cache> --json`, irqlens: stats, outputMiB: duMiB(cacheDir), changedFiles: changed }));
      log(`${result.tree}: ${tool} wall ${r.wallS}s cpu ${r.cpuS}s rss ${r.peakRssMiB} MiB; from cache ${String(stats?.fromCache)}, from store ${String(stats?.fromStore)}`);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * Other engineers rebuild out/ while a long benchmark runs; a rebuilt cli.js with a new cache format turns the "warm"
 * run into a cold one (seen on Linux: warm 188 s after cold 256 s). So the bundle, the CLI and the parse worker are
 * copied once into out/.bench-snapshot-PID/ and the benchmark re-runs itself from there (node_modules still resolves
 * from the repository). Returns true when this process only supervised the snapshot run.
 */
function runFromSnapshot(): boolean {
  if (process.env.IRQLENS_BENCH_SNAPSHOT || path.basename(__filename) !== 'bench.js') return false;
  const snap = path.join(REPO, 'out', `.bench-snapshot-${process.pid}`);
  mkdirSync(snap, { recursive: true });
  try {
    for (const f of ['bench.js', 'cli.js', 'cliMain.js', 'server.js', 'parseWorker.js']) {
      if (existsSync(path.join(REPO, 'out', f))) copyFileSync(path.join(REPO, 'out', f), path.join(snap, f));
    }
    const r = spawnSync(process.execPath, [path.join(snap, 'bench.js'), ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, IRQLENS_BENCH_SNAPSHOT: snap },
    });
    process.exitCode = r.status ?? 1;
  } finally {
    rmSync(snap, { recursive: true, force: true });
  }
  return true;
}

/** Patch review as a user runs it: `irqlens review` on a generated series and one patch of Linux, cache warm. */
async function benchReview(cli: string, linuxRoot: string, cacheDir: string): Promise<BenchReport['review']> {
  log('linux: review timing (generated 30-patch series and one patch; irqlens review, warm cache)');
  const { measureReview } = await import('./reviewTiming');
  const r = await measureReview(cli, linuxRoot, cacheDir);
  log(`review: series of ${r.seriesPatches} ${r.seriesS} s (first run ${r.firstSeriesS} s), single ${r.singleS} s; load ${r.loadAvg1.series} / ${r.loadAvg1.single}`);
  return r;
}

async function main(): Promise<void> {
  if (runFromSnapshot()) return;
  const { values } = parseArgs({
    options: {
      json: { type: 'string', default: path.join(REPO, 'out/bench.json') },
      trees: { type: 'string', default: 'xen,qemu,linux' },
      'skip-linux': { type: 'boolean', default: false },
      'no-readme': { type: 'boolean', default: false },
      'no-queries': { type: 'boolean', default: false },
      'no-editor': { type: 'boolean', default: false },
      'no-reuse': { type: 'boolean', default: false },
      tools: { type: 'string', default: 'gtags,ctags,irqlens' },
      profile: { type: 'string' },
      scaling: { type: 'boolean', default: false },
      repeat: { type: 'string', default: '3' },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench -- [--trees xen,qemu,linux] [--skip-linux] [--tools gtags,ctags,irqlens] [--json FILE] [--no-readme] [--no-queries] [--no-editor] [--no-reuse] [--profile DIR] [--scaling] [--repeat N] [--only review|scaling]\n' +
        'Runs gtags, ctags and irqlens index (cold, warm) on each tree, then query latency on the Linux index, the editor on a cold workspace and patch review.\n' +
        '--only review: only the patch review timing (irqlens review on a generated 30-patch series and one patch, Linux); prints it, README untouched.\n' +
        '--no-reuse: skip the second-version and checkout runs (a copy of each tree with 5% of its .c files changed, indexed into the warm cache).\n' +
        '--profile DIR: CPU profiles of each cold irqlens run (main thread and parse workers) into DIR/<tree>/.\n' +
        '--scaling: also a cold irqlens index of each tree with 1, 2 and all cores (IRQLENS_WORKERS parse workers); a core-scaling table.\n' +
        '--only scaling: only that table, for the --trees given (prints it, README untouched).\n' +
        `--repeat N: a tree whose first round (gtags, ctags, irqlens cold and warm) took under ${REPEAT_BELOW_S} s per tool is timed N times in all, the tools in turn; each row is the tool's median run (default 3; 1 times every tree once).\n`,
    );
    return;
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat takes a whole number of runs, 1 or more, not "${values.repeat}"`);
  if (values.only !== undefined && values.only !== 'review' && values.only !== 'scaling') throw new Error(`--only takes "review" or "scaling", not "${values.only}"`);
  const wanted = values.trees.split(',').map((s) => s.trim()).filter(Boolean) as TreeName[];
  for (const t of wanted) if (!(t in TREE_KEYS)) throw new Error(`unknown tree "${t}" (xen, qemu, linux)`);
  const trees = wanted.filter((t) => !(values['skip-linux'] && t === 'linux'));
  if (trees.length === 0) throw new Error('no trees to run');

  const tools: ToolSet = new Set();
  for (const t of values.tools.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (t !== 'gtags' && t !== 'ctags' && t !== 'irqlens') throw new Error(`unknown tool "${t}" (gtags, ctags, irqlens)`);
    tools.add(t);
  }
  for (const tool of [GNU_TIME, 'gtags', 'ctags']) {
    if (spawnSync(tool, ['--version']).error) throw new Error(`${tool} not found (Debian packages: time, global, universal-ctags)`);
  }
  // The snapshot's CLI when running from one (see runFromSnapshot), else the repository's.
  const cli = process.env.IRQLENS_BENCH_SNAPSHOT ? path.join(process.env.IRQLENS_BENCH_SNAPSHOT, 'cli.js') : path.join(REPO, 'out/cli.js');
  if (tools.has('irqlens') && !existsSync(cli)) throw new Error('out/cli.js missing: run `npm run build`');

  const roots = treeRoots();
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout.trim();
  const report: BenchReport = {
    environment: {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      cores: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
      loadAvgStart: os.loadavg(),
      versions: {
        'GNU Global': toolVersion('global', 'gtags'),
        'universal-ctags': toolVersion('universal-ctags', 'ctags'),
        Node: process.version,
        irqlens: `${pkg.version}${commit ? ` (${commit})` : ''}`,
      },
    },
    trees: [],
    targets: [],
  };

  if (values.only === 'scaling') {
    if (!existsSync(cli)) throw new Error('out/cli.js missing: run `npm run build`');
    report.scaling = [];
    for (const tree of trees) {
      log(`${tree}: reading ${roots[tree]} into the page cache`);
      warmPageCache(roots[tree]);
      report.scaling.push(await measureCoreScaling(cli, tree, roots[tree], log, repeat));
    }
    report.environment.loadAvgEnd = os.loadavg();
    const md = renderMarkdown(report);
    writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(md);
    log(`wrote ${values.json}`);
    return;
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'irqlens-bench-'));
  if (values.only === 'review') {
    try {
      if (!existsSync(cli)) throw new Error('out/cli.js missing: run `npm run build`');
      report.review = await benchReview(cli, roots.linux, path.join(scratch, 'linux', 'irqlens-cache'));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    report.environment.loadAvgEnd = os.loadavg();
    report.targets = checkTargets([], undefined, undefined, report.review);
    const md = renderMarkdown(report);
    writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(md);
    log(`wrote ${values.json}`);
    return;
  }
  try {
    let linuxCache: string | undefined;
    const caches = new Map<TreeResult, string>();
    for (const tree of trees) {
      const { result, cacheDir } = await benchTree(tree, roots[tree], scratch, cli, tools, repeat, values.profile ? path.resolve(values.profile) : undefined);
      report.trees.push(result);
      if (cacheDir) caches.set(result, cacheDir);
      if (tree === 'linux') linuxCache = cacheDir;
      // After the tree's own rows, while its sources are still in the page cache.
      if (values.scaling && tools.has('irqlens')) (report.scaling ??= []).push(await measureCoreScaling(cli, tree, roots[tree], log, repeat));
    }
    if (linuxCache && !values['no-queries']) {
      log('linux: query latency (in process)');
      try {
        // Loaded only here so the timed CLI runs above do not share a process with it.
        const { measureQueryLatency } = await import('./queryLatency');
        report.queries = { tree: 'linux', ...(await measureQueryLatency(roots.linux, linuxCache)) };
      } catch (e) {
        report.queriesError = e instanceof Error ? e.message : String(e);
        log(`query latency failed: ${report.queriesError}`);
      }
    }
    if (trees.includes('xen') && trees.includes('linux') && tools.has('irqlens') && !values['no-editor']) {
      log('xen + linux: the editor on a cold workspace (server over stdio, empty cache)');
      try {
        const { measureColdEditor } = await import('./coldEditor');
        const serverJs = path.join(path.dirname(cli), 'server.js');
        report.coldEditor = await measureColdEditor(serverJs, roots.xen, roots.linux);
        log(`cold editor: ${JSON.stringify(report.coldEditor)}`);
      } catch (e) {
        report.coldEditorError = e instanceof Error ? e.message : String(e);
        log(`cold editor failed: ${report.coldEditorError}`);
      }
    }
    if (linuxCache) {
      try {
        report.review = await benchReview(cli, roots.linux, linuxCache);
      } catch (e) {
        report.reviewError = e instanceof Error ? e.message : String(e);
        log(`review timing failed: ${report.reviewError}`);
      }
    }
    if (!values['no-reuse']) {
      for (const [result, cacheDir] of caches) {
        try {
          await benchReuse(result, cli, cacheDir, scratch);
        } catch (e) {
          log(`${result.tree}: reuse runs failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  report.environment.loadAvgEnd = os.loadavg();
  report.targets = checkTargets(report.trees, report.queries, report.coldEditor, report.review);
  const md = renderMarkdown(report);
  mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
  writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(md);
  if (!values['no-readme']) writeIntoReadme(path.join(REPO, 'README.md'), md);
  log(`wrote ${values.json}${values['no-readme'] ? '' : ' and README.md'}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
