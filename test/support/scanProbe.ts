// Runs the index's and the contract checker's text scans on each adversarial input and prints one JSON line per input
// as it finishes, so that a parent process with a deadline can tell which input hung.
//   scans:   preprocess (attribute, loop-macro, alternative-header and generator rewriting, nesting limit), the lexer,
//            the contract checker's body scan (with macro expansion)
//   extract: the whole extraction with a small time budget, and which symbols outside the hostile part survived
import { checkContractBody } from '../../server/src/engine/contracts/checkContracts';
import { extractSource } from '../../server/src/engine/index/extract';
import { SYM } from '../../server/src/engine/index/fileRecord';
import { findIdentifier, identifierHashes } from '../../server/src/engine/index/lexer';
import { preprocess } from '../../server/src/engine/index/preprocess';
import { ADVERSARIAL_C } from './adversarialC';

export const EXTRACT_PROBE_BUDGET_MS = 2000;

const mode = process.argv[2];
for (const [name, text] of Object.entries(ADVERSARIAL_C)) {
  const t = performance.now();
  if (mode === 'extract') {
    const { record } = extractSource(text, 'probe.c', text.length, 0, { budgetMs: EXTRACT_PROBE_BUDGET_MS });
    const s = record.strings ?? [];
    const fns: string[] = [];
    for (let i = 0; i < record.syms.length; i += SYM) fns.push(s[record.syms[i]]);
    const calls = new Set<string>();
    for (let i = 0; i < record.calls.length; i += 4) calls.add(s[record.calls[i]]);
    const ms = Math.round(performance.now() - t);
    process.stdout.write(JSON.stringify({ name, ms, problem: record.problem ?? '', syms: fns.slice(0, 20), calls: [...calls].slice(0, 50) }) + '\n');
  } else {
    preprocess(text);
    identifierHashes(text);
    findIdentifier(text, 'f');
    checkContractBody({ kind: 'calls', anyOf: ['inner'] }, text, 0, () => text);
    checkContractBody({ kind: 'callOrder', first: ['f'], then: ['inner'] }, text);
    process.stdout.write(JSON.stringify({ name, ms: Math.round(performance.now() - t) }) + '\n');
  }
}
