// SARIF 2.1.0 for code scanning: one rule per contract (id, text, where it comes from), each finding on its added or
// changed line, the contract's pre-patch site as a related location, the flow's steps as a code flow (each step where
// it is implemented in its codebase), baselineState, and a fingerprint of contract + function that survives line moves.
import { createHash } from 'node:crypto';
import type * as Sarif from 'sarif';
import { allFlows, Flow } from '@irqlens/models';
import { Finding, ReviewResult } from '../types';

const LEVEL: Record<Finding['severity'], Sarif.ReportingConfiguration.level> = { error: 'error', warning: 'warning', info: 'note' };

function uri(file: string): Sarif.ArtifactLocation {
  return { uri: file };
}

function codeFlow(flows: readonly Flow<unknown>[], f: Finding): Sarif.CodeFlow | undefined {
  const flow = flows.find((x) => x.id === f.flow);
  if (!flow) return undefined;
  const locations: Sarif.ThreadFlowLocation[] = [];
  for (const s of flow.steps) {
    const link = s.links.find((l) => l.codebase === f.codebase) ?? s.links[0];
    if (!link) continue;
    const here = s.id === f.step;
    locations.push({
      location: {
        ...(link.file || here ? { physicalLocation: { artifactLocation: uri(here ? f.file : link.file!), ...(here ? { region: { startLine: f.line } } : {}) } } : {}),
        message: { text: `${s.id} ${s.title} (${link.codebase} ${link.symbol})` },
      },
      importance: here ? 'essential' : 'unimportant',
    });
  }
  return { message: { text: `${flow.id} ${flow.name}` }, threadFlows: [{ locations }] };
}

export function toSarif(r: ReviewResult, version: string, flows: readonly Flow<unknown>[] = allFlows): Sarif.Log {
  // The series' net findings (what the tree gets), and the already-broken contracts as unchanged notes.
  const all = [...r.series.findings, ...r.patches.flatMap((p) => p.findings.filter((f) => f.baseline === 'unchanged'))];
  const rules: Sarif.ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  for (const f of all) {
    if (ruleIndex.has(f.rule)) continue;
    ruleIndex.set(f.rule, rules.length);
    rules.push({
      id: f.rule,
      name: f.rule.replace(/[^A-Za-z0-9]+/g, ''),
      shortDescription: { text: f.ruleText },
      fullDescription: { text: `${f.ruleText} (step ${f.step} of flow ${f.flow}; ${f.ruleSource})` },
      help: { text: `IRQ Lens contract ${f.rule}: the implementation of ${f.step} (${f.function}, ${f.codebase}) must keep this: ${f.ruleText}. Source: ${f.ruleSource}. Suppress with a comment /* irqlens: allow ${f.rule} */ in the function.` },
      defaultConfiguration: { level: LEVEL[f.severity] },
    });
  }
  const results: Sarif.Result[] = all.map((f) => {
    const flow = codeFlow(flows, f);
    return {
      ruleId: f.rule,
      ruleIndex: ruleIndex.get(f.rule),
      level: LEVEL[f.severity],
      message: { text: `${f.message}.${f.consequence ? ` ${f.consequence.sentence}` : ''}` },
      locations: [{ physicalLocation: { artifactLocation: uri(f.file), region: { startLine: f.line } } }],
      ...(f.site ? { relatedLocations: [{ id: 1, physicalLocation: { artifactLocation: uri(f.site.file), region: { startLine: f.site.line } }, message: { text: `where ${f.rule} held before the patch` } }] } : {}),
      ...(flow ? { codeFlows: [flow] } : {}),
      baselineState: f.baseline,
      partialFingerprints: { 'irqlensContract/v1': createHash('sha256').update(`${f.rule}\0${f.codebase}\0${f.function}`).digest('hex').slice(0, 32) },
      // The simulated consequence, machine-readable: which scenario shows it and the sentence (also in the message).
      ...(f.consequence ? { properties: { consequence: { scenario: f.consequence.scenario, flow: f.consequence.flow, sentence: f.consequence.sentence } } } : {}),
      ...(f.suppressed ? { suppressions: [{ kind: 'inSource', justification: `irqlens: allow ${f.rule} at ${f.suppressed.file}:${f.suppressed.line}` }] } : {}),
    } satisfies Sarif.Result;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'irqlens', version, informationUri: 'https://github.com/irqlens/irqlens', rules } }, results}],
  };
}
