// `irqlens simulate`: run a flow (or a scenario) and print the trace.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, findFlow, runScenario, traceToText, ParamValues, ModelError, type Scenario } from '@irqlens/models';
import { simulateFromStep, startedTraceText } from '../../engine/flowGuide/midFlowStart';
import { validateScenario } from '../../engine/scenarios/validateScenario';
import { builtinScenarioDir } from '../../engine/packageRoot';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function keyValues(pairs: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new ModelError(`${what} "${p}" must look like name=value`, what);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** A scenario argument is a file path, or the name of a built-in scenario. */
export function loadScenario(arg: string): unknown {
  const candidates = [arg, path.join(builtinScenarioDir(), arg), path.join(builtinScenarioDir(), `${arg}.json`)];
  const file = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!file) throw new ModelError(`scenario "${arg}" is neither a file nor a built-in scenario (irqlens scenarios lists them)`, 'scenario');
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ModelError(`scenario file ${file} is not valid JSON: ${(e as Error).message}`, 'scenario');
  }
}

/**
 * --profile, --param and --set given with --scenario apply on top of the scenario's own (the command line wins);
 * --from does not apply: each action says where its run starts.
 */
function withOverrides(scenario: Scenario, opts: { from?: string; profile?: string; set: string[]; param: string[] }): Scenario {
  if (opts.from) throw new ModelError('--from does not apply to --scenario: each action of a scenario says where its run starts', 'from');
  const set: Record<string, unknown> = { ...scenario.set };
  for (const [k, v] of Object.entries(keyValues(opts.set, 'set'))) {
    try {
      set[k] = JSON.parse(v) as unknown;
    } catch {
      set[k] = v;
    }
  }
  return {
    ...scenario,
    profile: opts.profile ?? scenario.profile,
    params: { ...scenario.params, ...(keyValues(opts.param, 'param') as ParamValues) },
    set,
  };
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run a flow from a step or function, or a scenario, and print the trace')
    .argument('[flow]', `flow id (${allFlows.map((f) => f.id).join(', ')}); optional with --scenario`)
    .option('--from <step|function>', 'start at this step id or linked function')
    .option('--profile <profile>', 'implementation profile (see irqlens flows)')
    .option('--set <path=value>', 'override an initial-state field (repeatable)', collect, [])
    .option('--param <name=value>', 'set a flow parameter (repeatable)', collect, [])
    .option('--scenario <file|name>', 'run a scenario file or a built-in scenario')
    .option('--functions', 'list the implementing functions under each step')
    .option('--json', 'machine-readable trace')
    .option('--max-steps <n>', 'the most steps a trace may hold (a flow run: 200; a scenario: its maxSteps, else 200000); the run stops there with a message naming the limit')
    .action((flowId: string | undefined, opts: { from?: string; profile?: string; set: string[]; param: string[]; scenario?: string; functions?: boolean; json?: boolean; maxSteps?: string }) => {
      const maxSteps = opts.maxSteps === undefined ? undefined : Number(opts.maxSteps);
      if (maxSteps !== undefined && (!Number.isInteger(maxSteps) || maxSteps < 1)) throw new ModelError(`--max-steps "${opts.maxSteps}": a whole number of steps, 1 or more`, 'max-steps');
      if (opts.scenario) {
        const scenario = validateScenario(loadScenario(opts.scenario));
        if (flowId && scenario.flow.toLowerCase() !== flowId.toLowerCase()) {
          throw new ModelError(`scenario is for flow ${scenario.flow}, not ${flowId}`, 'flow');
        }
        const run = runScenario(allFlows, validateScenario(withOverrides(scenario, opts)), { maxSteps });
        if (opts.json) {
          process.stdout.write(JSON.stringify({ scenario: run.scenario.name, passed: run.passed, expectations: run.expectations, trace: run.trace }, null, 2) + '\n');
        } else {
          const s = run.scenario;
          const head = [`scenario ${s.name}: ${s.title}`];
          if (s.question) head.push(`question: ${s.question}`);
          process.stdout.write(head.join('\n') + '\n\n' + traceToText(run.trace, findFlow(s.flow), { functions: opts.functions }) + '\n');
          if (run.expectations.length > 0) {
            process.stdout.write('\nexpectations:\n' + run.expectations.map((e) => `  ${e.ok ? 'ok  ' : 'FAIL'}  ${e.text}`).join('\n') + '\n');
          }
        }
        if (!run.passed) process.exitCode = 1;
        return;
      }
      if (!flowId) throw new ModelError('give a flow id (irqlens flows lists them) or --scenario', 'flow');
      const flow = findFlow(flowId);
      if (!flow) throw new ModelError(`unknown flow "${flowId}" (flows: ${allFlows.map((f) => f.id).join(', ')})`, 'flow');
      // From a step after the entry: the run from the entry up to it establishes the state (the panel's and hover's run).
      const run = simulateFromStep(flow, {
        from: opts.from,
        profile: opts.profile,
        set: keyValues(opts.set, 'set'),
        params: keyValues(opts.param, 'param') as ParamValues,
        maxSteps,
      });
      const start = run.start.kind === 'after-entry' ? { assumed: run.start.assumed } : run.start.kind === 'alone' ? { startedAlone: run.start.reason } : {};
      if (opts.json) process.stdout.write(JSON.stringify({ ...run.trace, ...start }, null, 2) + '\n');
      else process.stdout.write(startedTraceText(run, flow, { functions: opts.functions }) + '\n');
    });
}
