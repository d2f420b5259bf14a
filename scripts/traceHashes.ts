// Fingerprints of simulator traces (JSON and text): the throughput script's random schedules (seeds 1–5, with state changes), every
// built-in scenario and every flow × profile default run, each as a SHA-256 of its trace's JSON. A change meant to
// speed the simulator up must leave every fingerprint as it was: write them before, check them after.
// Run: node --import tsx scripts/traceHashes.ts --write <file> | --check <file> [--events N]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, runScenario, simulate, Trace, traceToText } from '../models/src/index';
import { fingerprint, writeOrCheck } from './fingerprints';
import { randomSchedule } from './randomSchedule';

/** A trace's JSON and its text rendering (with the functions column), together. */
function traceHash(trace: Trace, extra: unknown = null): string {
  const flow = allFlows.find((f) => f.id === trace.flow);
  return fingerprint({ trace, extra, text: traceToText(trace, flow, { functions: true }) });
}

function fingerprints(events: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let seed = 1; seed <= 5; seed++) {
    const r = runScenario(allFlows, randomSchedule(events, seed), { recordChanges: true });
    out[`throughput seed ${seed}`] = traceHash(r.trace);
  }
  const dir = path.join(__dirname, '..', 'models', 'scenarios');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json') && !x.endsWith('.schema.json')).sort()) {
    const r = runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    out[`scenario ${f}`] = traceHash(r.trace, r.expectations);
  }
  for (const flow of allFlows) for (const p of flow.profiles) out[`simulate ${flow.id} ${p.id}`] = traceHash(simulate(flow, { profile: p.id }));
  return out;
}

const args = process.argv.slice(2);
const mode = args[0];
const file = args[1];
const eventsAt = args.indexOf('--events');
const events = eventsAt >= 0 ? Number(args[eventsAt + 1]) : 10000;
if ((mode !== '--write' && mode !== '--check') || !file) {
  console.error('usage: traceHashes.ts --write <file> | --check <file> [--events N]');
  process.exit(2);
}
writeOrCheck(mode, file, fingerprints(events));
