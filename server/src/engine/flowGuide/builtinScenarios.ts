// The scenarios shipped with the models (models/scenarios/*.json), read once: the quick pick, the simulate request's
// `scenario: { name }`, and the runs that show which branches each step takes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Scenario } from '../../../../models/src/index';

export interface BuiltinScenario {
  name: string;
  file: string;
  /** The file's JSON as written (validated when run, so a broken file is reported, not trusted). */
  raw: unknown;
  /** The fields a list shows, when present. */
  summary: Pick<Scenario, 'name' | 'title' | 'flow' | 'question'>;
}

export function readBuiltinScenarios(dir: string): { scenarios: BuiltinScenario[]; problems: string[] } {
  const scenarios: BuiltinScenario[] = [];
  const problems: string[] = [];
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json')).sort();
  } catch (e) {
    return { scenarios, problems: [`cannot read the built-in scenarios in ${dir}: ${(e as Error).message}`] };
  }
  for (const f of files) {
    const file = path.join(dir, f);
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
      const name = str('name') ?? f.replace(/\.json$/, '');
      scenarios.push({ name, file, raw, summary: { name, title: str('title') ?? name, flow: str('flow') ?? '', question: str('question') } });
    } catch (e) {
      problems.push(`${f}: ${(e as Error).message}`);
    }
  }
  return { scenarios, problems };
}
