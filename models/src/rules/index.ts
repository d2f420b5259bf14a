// The rules registry: every rule the models implement, by id.
import { Rule } from './rule';
import { eventChannelRules } from './eventChannelRules';
import { apicRules } from './apicRules';

export type { Rule } from './rule';

export const allRules: readonly Rule[] = [...eventChannelRules, ...apicRules];

const byId = new Map(allRules.map((r) => [r.id, r]));

export function findRule(id: string): Rule | undefined {
  return byId.get(id);
}
