// Function bodies scanned by the lexer (bodyScan.ts) give the same records as tree-sitter over the whole file: each
// fixture (ours) is extracted both ways and every record kind compared; the checks on what was blanked and on a few
// expected records keep the comparison from passing on two empty results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { skipBodies } from '../../server/src/engine/index/bodyScan';
import { emptyPhaseTimes, threadCpuMs } from '../../server/src/engine/index/extractProfile';
import { extractSource } from '../../server/src/engine/index/extract';
import { preprocess } from '../../server/src/engine/index/preprocess';
import { RECORD_KINDS, recordTuples } from './recordTuples';

const dir = path.join(__dirname, '..', 'fixtures', 'bodyscan');

function both(file: string) {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const full = recordTuples(extractSource(text, file, text.length, 0, { fullParse: true }).record);
  const scanned = recordTuples(extractSource(text, file, text.length, 0).record);
  const skip = skipBodies(preprocess(text).text);
  return { text, full, scanned, skip };
}

function assertSameRecords(file: string): ReturnType<typeof both> {
  const r = both(file);
  for (const k of RECORD_KINDS) assert.deepEqual([...r.scanned[k]].sort(), [...r.full[k]].sort(), `${file}: ${k}`);
  return r;
}

const has = (xs: string[], prefix: string) => xs.some((x) => x.startsWith(prefix));

void test('braces in strings, characters and comments do not end a body', () => {
  const { scanned, skip } = assertSameRecords('braces_in_literals.c');
  assert.equal(skip.blanked.length, 2);
  assert.ok(has(scanned.calls, 'log_irq in show'));
  assert.ok(has(scanned.calls, 'show_more in after'));
  assert.ok(has(scanned.symbols, 'function after'));
});

void test('#if groups and #define inside a body: #if lines stay for tree-sitter, #define lines are read by the lexer', () => {
  const { scanned, skip, text } = assertSameRecords('preproc_in_body.c');
  assert.equal(skip.blanked.length, 1);
  // The #if group lines are kept in the text tree-sitter parses, the rest of the body is left out, and the `#define`
  // and `#undef` lines too (the macro is recorded from the line); offsets in that text map back to the original's.
  assert.ok(!skip.text.includes('debug_dump'));
  for (const d of ['#define LIMIT(x)', '#if defined(CONFIG_SMP)', '#ifdef DEBUG', 'return finish', '#undef LIMIT']) {
    const at = skip.text.indexOf(d);
    if (d === 'return finish' || d.startsWith('#define') || d.startsWith('#undef')) assert.equal(at, -1, d);
    else assert.equal(skip.map.start(at), text.indexOf(d), d);
  }
  assert.ok(skip.findings.early.some((e) => e.kind === 'macro' && e.name === 'LIMIT' && e.funclike));
  // The short text ends where the last line, `#undef LIMIT`, starts.
  assert.equal(skip.map.end(skip.text.length), text.indexOf('#undef LIMIT'));
  assert.ok(has(scanned.symbols, 'macro LIMIT'));
  assert.ok(has(scanned.calls, 'IS_ENABLED in start_all'));
  assert.ok(has(scanned.calls, 'debug_dump in start_all'));
  assert.ok(scanned.icalls.some((x) => x.startsWith('start in start_all') && x.includes('recv=ops base=ops')));
});

void test('#if branches that each open a brace: the brackets follow the first branch, the other one still gives its calls', () => {
  const { scanned, skip, full } = both('unbalanced_if.c');
  assert.equal(skip.unsure, undefined);
  assert.equal(skip.blanked.length, 2);
  // tree-sitter over the whole file loses the end of `pick` to its error recovery; the lexer does not.
  assert.ok(has(full.symbols, 'function pick @3:4 3:0-20:0'));
  assert.ok(has(scanned.symbols, 'function pick @3:4 3:0-14:1 flags=0'));
  assert.deepEqual([...scanned.calls].sort(), ['choose in pick @11:2', 'note_b in pick @9:2', 'pick in after_pick @18:8']);
  assert.deepEqual([...scanned.calls].sort(), [...full.calls].sort());
});

void test('calls in a branch left out of the tokens follow the body scan\'s rule: no function pointer, no macro-typed name', () => {
  const text = 'int pick(int a)\n{\n#ifdef A\n\tif (a) {\n#else\n\tif (a > 1) {\n\t\tu32 (*cb)(int);\n\t\tHANDLE(void) h;\n\t\tnote(a);\n#endif\n\t\tdone(a);\n\t}\n\treturn 0;\n}\n';
  assert.equal(skipBodies(preprocess(text).text).unsure, undefined);
  assert.deepEqual(recordTuples(extractSource(text, 't.c', text.length, 0).record).calls, ['note in pick @9:2', 'done in pick @11:2']);
});

void test('a head per configuration, arguments per configuration and an `extern "C" {` block are read by the lexer', () => {
  const { scanned, skip } = both('branch_heads.c');
  assert.equal(skip.unsure, undefined);
  assert.equal(skip.blanked.length, 3);
  assert.deepEqual([...scanned.symbols].sort(), [
    'function after_block @45:4 45:0-48:1 flags=0 aux=-',
    'function widget_poke_all @24:5 24:0-37:1 flags=0 aux=-',
    'function widget_size @13:11 13:0-22:1 flags=1 aux=-',
    'struct widget @7:7 7:7-10:1 flags=0 aux=-',
    'variable widget_count @39:4 39:4-39:16 flags=0 aux=-',
  ]);
  assert.deepEqual([...scanned.calls].sort(), ['log_widget in widget_poke_all @27:2', 'measure in widget_size @21:8', 'tally in after_block @47:23']);
  assert.deepEqual(scanned.icalls, ['poke in widget_poke_all @34:5 recv=w base=widget']);
});

void test('brackets no branch pairs leave the file to tree-sitter', () => {
  const { scanned, skip } = assertSameRecords('really_unbalanced.c');
  assert.match(skip.unsure ?? '', /unclosed '\{'/);
  assert.equal(skip.blanked.length, 0);
  assert.ok(has(scanned.calls, 'fix in broken'));
});

void test('iterator macros, function-pointer locals, statement expressions and chained indirect calls', () => {
  const { scanned, skip } = assertSameRecords('loops_and_pointers.c');
  assert.equal(skip.blanked.length, 1);
  const icalls = scanned.icalls.join('\n');
  assert.match(icalls, /irq_ack in ack_all @\d+:\d+ recv=pos->chip base=irq_desc/);
  assert.match(icalls, /irq_mask in ack_all @\d+:\d+ recv=pos->chip base=irq_desc/);
  assert.match(icalls, /lookup in ack_all @\d+:\d+ recv=dom->parent base=irq_domain/);
  assert.match(icalls, /irq_ack in ack_all @\d+:\d+ recv=dom->parent->lookup\(3\)->chip base=irq_domain/);
  assert.match(icalls, /irq_mask in ack_all @\d+:\d+ recv=chip base=irq_chip/);
  assert.ok(has(scanned.calls, 'compute in ack_all'));
  assert.ok(has(scanned.calls, 'fn in ack_all'));
  assert.ok(!has(scanned.calls, 'cb in'));
  // A receiver right after a loop head starts at its own parenthesis, not at the head's.
  assert.match(scanned.binds.join('\n'), /irq_ack=ack_all table=\(chip\+1\):- .* flags=1 base=irq_chip/);
});

void test('K&R definitions, attributes after the parameters, local tables and function-pointer assignments', () => {
  const { scanned, skip } = assertSameRecords('definitions.c');
  // ack_edge, mask_edge, eoi_edge, attr_after, setup (its local tables' pairs by the initializer scan), rebind and
  // old_style (K&R: its head and parameter declarations parsed, its body scanned) scanned; the body defining local
  // types is left to tree-sitter.
  assert.equal(skip.blanked.length, 7);
  assert.equal(skip.kept, 1);
  const binds = scanned.binds.join('\n');
  assert.match(binds, /irq_ack=ack_edge table=chip:- .* flags=1 base=irq_chip/);
  assert.match(binds, /irq_mask=mask_edge table=chip:- .* flags=1 base=irq_chip/);
  assert.match(binds, /eoi=eoi_edge table=p->ops:- .* flags=1 base=pic/);
  assert.match(binds, /irq_ack=ack_edge table=local_chip:irq_chip/);
  assert.match(binds, /irq_mask=mask_edge table=chip:- @43:\d+ flags=1 base=irq_chip/);
  assert.doesNotMatch(binds, /name=ack_edge/);
  assert.ok(has(scanned.calls, 'old_helper in old_style'));
  assert.ok(has(scanned.calls, 'locked_work in attr_after'));
  assert.ok(has(scanned.symbols, 'enumerator MODE_B'));
});

void test('file-scope and local initializers: designated pairs, nested lists, casts, calls and #define lines inside', () => {
  const { scanned, full, skip } = both('tables.c');
  // Everything as the full parse has it, except around the two `#define`s inside guarded_chip's list, which
  // tree-sitter reads as errors there: it misses both macros, takes `GUARDED_MASK(x)` for a call and the next pair
  // for an assignment to `mask_##x`.
  const expectedDiff: Record<string, number> = { symbols: 2, calls: 1, binds: 2 };
  for (const k of RECORD_KINDS) {
    const onlyScanned = scanned[k].filter((x) => /^macro GUARDED_|^irq_eoi=GUARDED_EOI table=guarded_chip:irq_chip/.test(x));
    const onlyFull = full[k].filter((x) => /^GUARDED_MASK in|^irq_eoi=GUARDED_EOI table=mask_:/.test(x));
    assert.equal(onlyScanned.length + onlyFull.length, expectedDiff[k] ?? 0, k);
    assert.deepEqual([...scanned[k]].filter((x) => !onlyScanned.includes(x)).sort(), [...full[k]].filter((x) => !onlyFull.includes(x)).sort(), `tables.c: ${k}`);
  }
  // Three function bodies, trace_event's (an anonymous struct and a local table need no tree) and four initializers.
  assert.equal(skip.blanked.length, 8);
  assert.equal(skip.kept, 0);
  assert.ok(!skip.text.includes('0x04') && !skip.text.includes('.irq_ack'), 'initializer insides are left out of the parse');
  const binds = scanned.binds.join('\n');
  assert.match(binds, /irq_ack=ack_edge table=edge_chip:irq_chip/);
  assert.match(binds, /irq_mask=mask_edge table=edge_chip:irq_chip/);
  assert.match(binds, /irq_eoi=eoi_edge table=edge_chip:irq_chip/);
  assert.match(binds, /irq_ack=ack_edge table=pics:- .* flags=2/);
  assert.match(binds, /eoi=eoi_edge table=pics:- .* flags=2/);
  assert.match(binds, /chip=mask_edge table=pics:pic/);
  assert.match(binds, /irq_ack=ack_edge table=local_chip:irq_chip/);
  assert.doesNotMatch(binds, /name=|flags=BIT|irq_mask=NULL/);
  assert.ok(has(scanned.calls, 'BIT in -'));
  assert.ok(has(scanned.calls, 'FIELD_PREP in -'));
  assert.ok(has(scanned.symbols, 'macro GUARDED_EOI'));
  assert.match(scanned.symbols.join('\n'), /macro GUARDED_MASK .* flags=2/);
  assert.ok(has(scanned.symbols, 'variable plain_table'));
  assert.ok(has(scanned.symbols, 'prototype after_tables'));
});

void test('a long chain of calls through fields is scanned in linear time', () => {
  const n = 200_000;
  const text = `struct s { struct s *(*f)(int); };\nvoid chain(struct s *a)\n{\n\ta${'->f(1)'.repeat(n)};\n}\n`;
  // The scanner alone (preprocess.ts would cut a chain this deep for the parser, nestingLimit.ts). Timed in this
  // thread's CPU time where it can be read (a loaded machine stretches wall time): linear takes well under a second,
  // walking each receiver back along the chain (n²/2 = 2·10¹⁰ steps) would take far more than the bound.
  const clock = () => threadCpuMs() ?? performance.now();
  const t0 = clock();
  const skip = skipBodies(text);
  const ms = clock() - t0;
  assert.equal(skip.findings.icalls.length, n);
  assert.equal(skip.findings.icalls[n - 1].recv.start, text.indexOf('a->f'));
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});

void test('plain function heads are read by the lexer, head and body left out of the parse; others stay for tree-sitter', () => {
  const { scanned, skip, text } = assertSameRecords('function_heads.c');
  const headNames = skip.findings.heads.map((h) => text.slice(h.head.paramsAt - 40, h.head.paramsAt).match(/(\w+)\s*$/)?.[1]).sort();
  // Taken whole: plain types, pointers with qualifiers, sized words, `void`, `()`, `...`, array and function-pointer
  // parameters, a head over two lines, a head whose `#ifdef` preprocessing resolved to its first branch
  // (preprocess.ts), a body whose directive lines are all conditionals (they stay, at the same offsets).
  assert.deepEqual(headNames, [
    'after_table', 'array_param', 'body_with_conditionals', 'empty_params', 'fn_pointer_param', 'no_params', 'plain_head', 'pointer_return',
    'sized_words', 'smp_head', 'split_lines', 'variadic',
  ]);
  assert.ok(has(scanned.calls, 'IS_ENABLED in body_with_conditionals'));
  for (const name of headNames) assert.ok(!skip.text.includes(`${name}(`), `${name}'s head is not parsed`);
  // Left to tree-sitter: a call in an array size, a triple pointer, a generator macro, a body with a `#define`.
  for (const kept of ['sized_by_call(', 'three_pointers(', 'DEFINE_HANDLER(timer)', 'body_with_directives(']) {
    assert.ok(skip.text.includes(kept), `${kept} stays in the parse`);
  }
  // What the parse would have said of the lexer's heads: names, static flags, extents, parameter types for receivers.
  assert.ok(has(scanned.symbols, 'function plain_head'));
  assert.ok(has(scanned.symbols, 'function split_lines'));
  assert.ok(scanned.icalls.some((x) => x.startsWith('kick in plain_head') && x.includes('base=vcpu')));
  assert.ok(scanned.icalls.some((x) => x.startsWith('ack in split_lines') && x.includes('base=irq_chip')));
  assert.ok(scanned.icalls.some((x) => x.startsWith('ack in after_table') && x.includes('base=irq_chip')));
  assert.ok(has(scanned.calls, 'plain_head in no_params'));
});

void test('after an unterminated file-scope macro call, the next definition keeps its head in the parse, later ones do not', () => {
  const { scanned, skip, text } = assertSameRecords('unended_macro_call.c');
  // The window runs from the first unended call to the end of `after_calls`; `helper`'s head is read by the lexer.
  assert.deepEqual(skip.windows, [text.indexOf('make_op(first_op)'), text.indexOf('}', text.indexOf('after_calls(int')) + 1]);
  assert.deepEqual(skip.findings.heads.map((h) => text.slice(h.head.start, h.bodyStart).trim()), ['static unsigned long helper(unsigned long v)']);
  assert.equal(skip.blanked.length, 2);
  assert.ok(has(scanned.symbols, 'function helper'));
  assert.ok(has(scanned.symbols, 'macro LATER_MACRO'));
  assert.ok(has(scanned.calls, 'after_calls in helper'));
});

void test('when the recovery from unended calls runs past the window, the file is parsed again with every head in place', () => {
  const { scanned, skip, text } = assertSameRecords('recovery_past_window.c');
  assert.equal(skip.windows?.length, 2);
  const times = emptyPhaseTimes();
  extractSource(text, 'recovery_past_window.c', text.length, 0, { times });
  // Parsed twice: the windowed text, then the text with all heads (longer).
  assert.ok(times.parsed > 2 * skip.text.length, `${times.parsed} characters parsed for a windowed text of ${skip.text.length}`);
  assert.ok(has(scanned.symbols, 'struct pool @27:7'));
  assert.ok(has(scanned.calls, 'count_pools in pool_count'));
  // Without the recovery problem, one parse: the fixture of the test before.
  const plain = fs.readFileSync(path.join(dir, 'unended_macro_call.c'), 'utf8');
  const once = emptyPhaseTimes();
  extractSource(plain, 'unended_macro_call.c', plain.length, 0, { times: once });
  assert.equal(once.parsed, skipBodies(preprocess(plain).text).text.length);
});

void test('bcc inline assembly is blanked; old-style definitions keep their heads in the parse, their bodies are scanned', () => {
  const { scanned, skip, text } = assertSameRecords('bcc_asm.c');
  assert.equal(skip.unsure, undefined);
  const pre = preprocess(text).text;
  assert.equal(pre.length, text.length);
  for (const asm of ['delay_loop', 'rom_entry', 'jmp far', 'ASM_START\n', '\n#asm\n', '\n#endasm\n']) assert.ok(!pre.includes(asm), asm);
  // A `;` where each block was: `if (ticks)` still has its statement.
  assert.equal(pre[text.indexOf('ASM_START\n    mov')], ';');
  assert.deepEqual([...scanned.symbols].filter((x) => x.startsWith('function')).sort(), [
    'function after_asm @24:11 24:0-27:1 flags=1 aux=-',
    'function delay_ticks @6:0 5:2-17:1 flags=0 aux=-',
    'function read_port @30:0 29:2-34:1 flags=0 aux=-',
  ]);
  assert.deepEqual([...scanned.calls].sort(), ['checked in after_asm @26:9', 'inb in read_port @33:9', 'note_delay in delay_ticks @16:2']);
  // The old-style definitions are windows of their own, head to body (their heads and declarations parsed, their
  // bodies scanned); `after_asm` is read by the lexer.
  assert.equal(skip.windows?.length, 4);
  assert.equal(skip.blanked.length, 3);
});

void test('a struct body holding a macro call with no `;` is a window of its own: the head after it is read by the lexer', () => {
  const { scanned, skip, text } = assertSameRecords('struct_member_macro.c');
  assert.equal(skip.blanked.length, 1);
  assert.deepEqual(skip.windows, [text.indexOf('struct irq_stacks'), text.indexOf('};') + 2]);
  assert.equal(skip.findings.heads.length, 1);
  assert.ok(has(scanned.symbols, 'function irq_stack_top'));
  assert.ok(has(scanned.symbols, 'struct after_stacks'));
});

void test('a struct member whose type a macro names (`LIST_ENTRY(req) link;`) leaves the heads after it to the lexer', () => {
  const { scanned, skip } = assertSameRecords('macro_typed_member.c');
  assert.equal(skip.findings.heads.length, 2);
  assert.ok(has(scanned.symbols, 'function after_list'));
  assert.ok(has(scanned.symbols, 'function kick_list'));
  assert.ok(has(scanned.calls, 'send_ipi in kick_list'));
});

void test('a macro call with no `;` ending the file leaves the heads before it to the lexer', () => {
  const { scanned, skip } = assertSameRecords('trailing_macro_call.c');
  assert.equal(skip.findings.heads.length, 2);
  assert.ok(has(scanned.symbols, 'function vapic_register'));
  assert.ok(has(scanned.symbols, 'struct vapic_state'));
  assert.ok(has(scanned.calls, 'register_device in vapic_register'));
  assert.ok(skip.text.includes('device_init(vapic_register)'), 'the trailing call stays for tree-sitter');
});

void test('plain file-scope declarations are read by the lexer; macros, function pointers and calls stay for tree-sitter', () => {
  const { scanned, skip } = assertSameRecords('file_scope_declarations.c');
  assert.deepEqual(skip.findings.fileVars.map((v) => v.name).sort(), ['banner', 'dom0', 'nr_ports', 'pending_bits', 'pending_mask', 'port_names']);
  assert.equal(skip.findings.protos.length, 6);
  for (const name of ['evtchn_init(', 'evtchn_free(', 'evtchn_bucket(', 'compat_op(', 'no_args(', 'pending_bits', 'dom0', 'struct domain;']) {
    assert.ok(!skip.text.includes(name), `${name} is not parsed`);
  }
  for (const kept of ['DEFINE_PER_CPU(', 'DEFINE_SPINLOCK(', '(*notify_hook)', 'ARRAY_SIZE(', 'compute_mask(', '***deep_pointer', 'negative']) {
    assert.ok(skip.text.includes(kept), `${kept} stays in the parse`);
  }
  assert.ok(has(scanned.symbols, 'prototype evtchn_from_port'));
  assert.ok(has(scanned.symbols, 'prototype evtchn_bucket'));
  assert.ok(scanned.symbols.some((x) => x.startsWith('variable dom0') && x.includes('flags=1') && x.includes('aux=domain')));
  assert.ok(has(scanned.calls, 'compute_mask in -'));
});

void test('plain struct, union and enum definitions and typedefs are read by the lexer; nested bodies and macros stay', () => {
  const { scanned, skip } = assertSameRecords('type_definitions.c');
  const read = skip.findings.typeDefs.map((d) => d.type?.name ?? d.anon?.name ?? d.early.find((e) => e.kind === 'typedef')?.name).sort();
  assert.deepEqual(read, ['irq_chip_ptr', 'irq_data', 'irq_desc_t', 'irq_flow_t', 'irq_handler_t', 'irq_line_t', 'irq_mask_t', 'irq_state', 'u8', 'vcpu_info', 'vector_state']);
  for (const kept of ['struct nested', 'DECLARE_BITMAP(', 'BIT(3)', 'MODE_A', 'declared_instance']) assert.ok(skip.text.includes(kept), `${kept} stays in the parse`);
  for (const gone of ['struct irq_data {', 'enum irq_state', 'irq_handler_t', 'vcpu_info_t;']) assert.ok(!skip.text.includes(gone), `${gone} is not parsed`);
  assert.ok(has(scanned.fieldTypes, 'irq_data.chip: irq_chip'));
  assert.ok(has(scanned.fieldTypes, 'irq_data.parent: irq_desc'));
  assert.ok(has(scanned.fieldTypes, 'vcpu_info_t.pending: irq_data') || has(scanned.fieldTypes, 'vcpu_info.pending: irq_data'));
  assert.ok(has(scanned.fieldTypes, 'irq_line_t.desc: irq_desc_t'));
  assert.ok(has(scanned.symbols, 'enumerator IRQ_ACTIVE'));
  assert.ok(has(scanned.symbols, 'typedef irq_handler_t'));
  assert.ok(scanned.aliases.some((x) => x.includes('irq_desc_t') && x.includes('irq_desc')));
  assert.ok(scanned.icalls.some((x) => x.startsWith('ack in use_types') && x.includes('base=vcpu_info_t')));
});

void test('a typedef of a name tree-sitter takes for a primitive type (uint8_t) is recorded by the lexer', () => {
  // tree-sitter-c reads `uint8_t` as its own primitive type, so the parse records no typedef; the definition is real
  // (a freestanding tree defines its own), and go-to-definition on `uint8_t` should find it.
  const text = 'typedef unsigned char uint8_t;\ntypedef unsigned long size_t;\nstatic uint8_t first(uint8_t *p)\n{\n    return p[0];\n}\n';
  const scanned = recordTuples(extractSource(text, 'types.h', text.length, 0).record);
  const full = recordTuples(extractSource(text, 'types.h', text.length, 0, { fullParse: true }).record);
  assert.ok(has(scanned.symbols, 'typedef uint8_t'));
  assert.ok(has(scanned.symbols, 'typedef size_t'));
  assert.ok(!has(full.symbols, 'typedef uint8_t'));
  assert.deepEqual(scanned.symbols.filter((x) => !x.startsWith('typedef')), full.symbols.filter((x) => !x.startsWith('typedef')));
});

void test('old-style definitions: their bodies are scanned, with a macro between a local\'s tag and its declarator', () => {
  const { scanned, skip } = assertSameRecords('old_style.c');
  // fixed_tables, inflate_step and ansi_after scanned; for_each (a function-pointer parameter) parsed whole.
  assert.equal(skip.blanked.length, 3);
  assert.ok(!skip.text.includes('table_bits') && !skip.text.includes('update_window'));
  assert.ok(skip.text.includes('unsigned char window[32];'), 'the parameters\' declarations stay in the parse');
  assert.ok(skip.text.includes('fn();'));
  const binds = scanned.binds.join('\n');
  // `state` typed by the parameter's declaration, and by the local whose declaration has FAR in it.
  assert.match(binds, /mode=MODE_FIXED table=state:- @9:\d+ flags=1 base=inflate_state/);
  assert.match(binds, /mode=flush table=state:- @20:\d+ flags=1 base=inflate_state/);
  assert.deepEqual([...scanned.calls].sort(), [
    'fixed_tables in inflate_step @21:4',
    'fn in for_each @29:4',
    'inflate_step in ansi_after @34:11',
    'table_bits in fixed_tables @10:18',
    'update_window in inflate_step @22:11',
  ]);
});
