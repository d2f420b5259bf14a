// The one gate every scenario goes through before it runs (CLI simulate --scenario, scenarios --check, the server's
// simulate request): the published JSON schema (models/scenarios/scenario.schema.json, the single source of truth),
// checked with ajv, then the model's own checks of what a schema cannot say (state paths and their types, step ids,
// branch names, outcome targets), done by parseScenario/runScenario. The first problem is reported with its field.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { ModelError, parseScenario, tooDeep, MAX_SCENARIO_DEPTH, type Scenario } from '@irqlens/models';
import { builtinScenarioDir } from '../packageRoot';

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(fs.readFileSync(path.join(builtinScenarioDir(), 'scenario.schema.json'), 'utf8')) as object;
    validator = new Ajv2020({ allErrors: false, strict: false }).compile(schema);
  }
  return validator;
}

/** `/expect/0/count` → `expect[0].count`, the field names parseScenario uses. */
function fieldOf(e: ErrorObject): string {
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}

function describe(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return 'unknown field';
  if (e.keyword === 'required') return 'required';
  if (e.keyword === 'oneOf') return 'matches none of the expectation kinds (path+equals, outcome, step+branch, neverStep) exactly; check for misspelt or extra fields';
  if (e.keyword === 'enum') return `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
  return e.message ?? e.keyword;
}

/** Validates untrusted scenario JSON against the schema and the model's checks; throws a ModelError naming the field. */
export function validateScenario(raw: unknown): Scenario {
  // Before ajv and the model walk it: a 10k-deep value overflowed their recursion.
  const deep = tooDeep(raw);
  if (deep) throw new ModelError(`scenario field "${deep}": nested deeper than ${MAX_SCENARIO_DEPTH} levels`, deep);
  const check = schemaValidator();
  if (!check(raw)) {
    const errors = check.errors ?? [];
    // For an expectation that fits no kind, ajv reports each branch; the oneOf summary names the item.
    const first = errors.find((e) => e.keyword === 'oneOf') ?? errors[0];
    const field = first ? fieldOf(first) : '(root)';
    throw new ModelError(`scenario field "${field}": ${first ? describe(first) : 'does not match the scenario schema'} (scenario.schema.json)`, field);
  }
  return parseScenario(raw);
}
