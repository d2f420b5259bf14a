// Offset-preserving source rewriting before tree-sitter parses hypervisor C: blanks attribute macros and turns
// generated definitions (DEFINE_IDTENTRY_*(name), SYSCALL_DEFINEn(name, …)) into plain function headers.
// Why: tree-sitter sees `static void __init cf_check f(void)` or `DEFINE_IDTENTRY_SYSVEC(f) {` without the macros'
// expansions and mis-parses them; replacing tokens by spaces keeps every offset, line and column unchanged.

import { mergeAlternativeHeaders } from './alternativeHeaders';
import { DirectiveLines, ParenPairs, identEnd, isBlank, isIdentChar, isIdentStart, skipInlineSpaces, skipSpaces } from './cScan';
import { type GeneratedDef, rewriteGeneratedDefs } from './generatedDefs';
import { limitNesting, type NestingCut } from './nestingLimit';

export type { GeneratedDef } from './generatedDefs';

/** Attribute-like macros that expand to nothing or to `__attribute__((…))` in Xen, QEMU and Linux (no arguments). */
const ATTRIBUTE_WORDS = [
  // Xen (xen/include/xen/compiler.h, init.h)
  'cf_check', 'noreturn', '__init', '__exit', '__initdata', '__initconst', '__initconstrel', '__exitdata', '__read_mostly',
  '__ro_after_init', '__used', '__maybe_unused', '__packed', 'nocall', '__weak', '__pure', '__must_check', 'noinline',
  '__cacheline_aligned', '__force', '__constructor', '__initcall', '__nonnull', '__section_default',
  // Linux (include/linux/compiler*.h, init.h, linkage.h)
  'noinstr', 'asmlinkage', '__visible', '__always_inline', 'notrace', '__cold', '__hot', '__noreturn', '__sched',
  '__ref', '__refdata', '__refconst', '__kprobes', '__irq_entry', '__softirq_entry', '__cpuidle', '__flatten',
  '__init_or_module', '__meminit', '__meminitdata', '__meminitconst', '__cpuinit', '__devinit', '__devexit', '__user',
  '__iomem', '__rcu', '__percpu', '__bitwise', '__kernel', '__safe', '__private', '__nocfi', '__noclone',
  '__no_kcsan', '__no_sanitize_address', '__no_sanitize_undefined', '__no_kasan_or_inline', '__no_sanitize_or_inline',
  '__latent_entropy', '__randomize_layout', '__no_randomize_layout', '____cacheline_aligned',
  '____cacheline_aligned_in_smp', '__cacheline_aligned_in_smp', '____cacheline_internodealigned_in_smp',
  '__page_aligned_data', '__page_aligned_bss', '__attribute_const__', '__mustcheck', '__always_unused',
  '__noinline', 'noinline_for_stack', '__nostackprotector', '__noscs', '__naked', '__head', '__initrodata', '__exit_call',
  '__init_memblock', '__initdata_memblock', '__ro_after_init_data', '__lockfunc', '__inline', '__inline__', 'inline',
  '__noinstr_section', '__entry_text', '__xen_pv_text', '__no_stack_protector', '__kprobes_text', '__packed_aligned',
  '__fastpath_inline', '__no_profile', '__noendbr', '__uaccess_begin', '__must_hold_rcu', '__trace_hardirqs',
  '__bpf_kfunc', '__diag_ignore_all', 'fastcall', '__ftrace_ops', '__always_used', '__cpu_init', '__init_kprobes',
  '__nosavedata', '__page_aligned', '__aligned_largest', '__alloc_size__', '__counted_by',
  '__restrict', '__restrict__', '__extension__', '__volatile__', '__signed__', 'noinstr_text', '__flatten_inline',
  // QEMU (include/qemu/compiler.h, glib)
  'QEMU_NORETURN', 'QEMU_PACKED', 'QEMU_ALWAYS_INLINE', 'QEMU_WARN_UNUSED_RESULT', 'QEMU_SENTINEL', 'QEMU_FLATTEN',
  'QEMU_DISABLE_CFI', 'QEMU_NONSTRING', 'QEMU_MAYBE_UNUSED', 'QEMU_UNUSED_FUNC', 'QEMU_UNUSED_VAR', 'QEMU_ERROR_UNUSED',
  'G_GNUC_UNUSED', 'G_GNUC_NORETURN', 'G_GNUC_CONST', 'G_GNUC_PURE', 'G_GNUC_MALLOC', 'G_GNUC_WARN_UNUSED_RESULT',
  'G_GNUC_NULL_TERMINATED', 'G_GNUC_DEPRECATED', 'G_GNUC_INTERNAL', 'G_GNUC_MAY_ALIAS', 'G_GNUC_NO_INLINE',
  'coroutine_fn', 'coroutine_mixed_fn', 'TSA_NO_TSA', 'G_NORETURN', 'G_INLINE_FUNC',
];

/** Attribute-like macros with a parenthesised argument list, blanked with their arguments. */
const ATTRIBUTE_CALLS = [
  '__attribute__', '__attribute', '__aligned', '__section', '__printf', '__scanf', '__must_hold', '__acquires',
  '__releases', '__cond_lock', '__alloc_size', '__assume_aligned', '__designated_init', '__diag_push', '__diag_pop',
  '__nonstring', '__realloc_size', '__malloc_attr', '__cleanup', '__alias', '__copy', 'asm', '__asm__', '__asm',
  '__typeof_unqual__', '__deprecated', '__has_attribute_impl', '__access', '__counted_by_attr', '__ro_after_init_attr',
  'QEMU_ALIGNED', 'QEMU_ERROR', 'QEMU_WARN_UNUSED', 'G_GNUC_PRINTF', 'G_GNUC_SCANF', 'G_GNUC_FORMAT',
  'G_GNUC_ALLOC_SIZE', 'G_GNUC_ALLOC_SIZE2', 'G_GNUC_DEPRECATED_FOR', 'GCC_FMT_ATTR', 'TSA_GUARDED_BY', 'TSA_PT_GUARDED_BY',
  'TSA_ACQUIRE', 'TSA_RELEASE', 'TSA_REQUIRES', 'TSA_EXCLUDES', 'TSA_ASSERT', 'TSA_ACQUIRE_SHARED', 'TSA_RELEASE_SHARED',
  'TSA_REQUIRES_SHARED', 'TSA_NO_TSA_ARGS', '__must_be_array_attr', 'ALIGNED', '__printf_like', 'format_printf',
  '__format__', 'PRINTF_LIKE', 'XEN_GUEST_HANDLE_PARAM_ATTR', '__releases_shared', '__acquires_shared',
];

let attributeRe: RegExp | undefined;
function attributeRegex(): RegExp {
  if (!attributeRe) {
    const words = ATTRIBUTE_WORDS.map((w) => w.replace(/\$/g, '\\$')).join('|');
    const calls = ATTRIBUTE_CALLS.join('|');
    // G_GNUC_BEGIN_* / G_GNUC_END_* / __diag_* are line-level pragmas; blank them whole.
    attributeRe = new RegExp(`\\b(?:(${calls})\\s*\\(|(${words})\\b|G_GNUC_(?:BEGIN|END)_\\w+|__diag_\\w+\\([^)\\n]*\\);?)`, 'g');
  }
  attributeRe.lastIndex = 0;
  return attributeRe;
}

export interface Preprocessed {
  text: string;
  generated: GeneratedDef[];
  /** Parts blanked because they nested deeper than the parser can take (see nestingLimit.ts). */
  cuts?: NestingCut[];
}

function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

/** Attribute and loop-macro argument lists longer than this are not treated as such. */
const MAX_ARGS_SPAN = 4096;

// Iterator macros used as loop heads (`for_each_vcpu ( d, v ) stmt;`, `list_for_each_entry(…) {`, `QTAILQ_FOREACH(…)`,
// `WITH_RCU_READ_LOCK_GUARD() {`): without their expansion tree-sitter sees a call missing its `;` and loses the rest of
// the function. `while` (or `if(1)` for empty arguments) in their place parses the same statement shape.
/** True for identifiers that name an iterator macro (a `for_each`, `FOREACH`, `for_every` or `_GUARD` after the first
 *  character, or a name starting with `for_each`). */
function isLoopMacroName(name: string): boolean {
  if (name.startsWith('for_each')) return true;
  for (const part of ['for_each', 'FOREACH', 'for_every', '_GUARD']) if (name.indexOf(part, 1) > 0) return true;
  return false;
}

const LOOP_MACRO_PART = /for_each|FOREACH|for_every|_GUARD/g;

/**
 * Starts of the identifiers holding one of the loop-macro name parts, in text order: found by one regular-expression
 * search (native) rather than by cutting every identifier of the text out. A run of identifier characters starting
 * with a digit is a number, no identifier (`0x1f`). Each search resumes past the identifier found, so that each
 * character is read a bounded number of times.
 */
function loopMacroCandidates(text: string): number[] {
  const starts: number[] = [];
  const re = LOOP_MACRO_PART;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    let s = m.index;
    while (s > 0 && isIdentChar(text.charCodeAt(s - 1))) s--;
    if (isIdentStart(text.charCodeAt(s))) starts.push(s);
    re.lastIndex = identEnd(text, m.index);
  }
  return starts;
}

function rewriteLoopMacros(text: string): string {
  const candidates = loopMacroCandidates(text);
  if (!candidates.length) return text;
  let directives: DirectiveLines | undefined;
  const pairs = new ParenPairs(text);
  const parts: string[] = [];
  let last = 0;
  let offset = 0;
  for (const candidate of candidates) {
    // Identifiers are visited in order, each once; a rewrite's `(` is not visited again.
    if (candidate < offset) continue;
    offset = candidate;
    const nameEnd = identEnd(text, offset);
    const name = text.slice(offset, nameEnd);
    const paren = skipInlineSpaces(text, nameEnd);
    const at = offset;
    offset = nameEnd;
    if (text.charCodeAt(paren) !== 40 || !isLoopMacroName(name)) continue;
    offset = paren + 1;
    const open = text.slice(nameEnd, paren + 1);
    directives ??= new DirectiveLines(text);
    if (name.length < 5 || directives.has(at)) continue;
    // Only at the head of a statement: after `;`, `{`, `}`, `)` (if/for heads), `else` or a label's `:`.
    let i = at - 1;
    while (i >= 0 && isBlank(text.charCodeAt(i))) i--;
    const prev = text[i];
    const afterElse = i >= 3 && text.slice(i - 3, i + 1) === 'else';
    if (!(prev === ';' || prev === '{' || prev === '}' || prev === ')' || prev === ':' || afterElse || i < 0)) continue;
    const close = pairs.closeAfter(paren, MAX_ARGS_SPAN);
    if (close < 0) continue;
    const after = skipSpaces(text, close);
    if (after >= text.length || text.charCodeAt(after) === 59) continue;
    const args = text.slice(paren + 1, close - 1);
    // `NAME(` → `if(1` + spaces (the `)` stays), or `NAME (` → `while (` with the name padded.
    const all = name + open;
    const out = !args.trim() ? 'if(1' + ' '.repeat(all.length - 4) : 'while' + ' '.repeat(name.length - 5) + open;
    parts.push(text.slice(last, at), out);
    last = paren + 1;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

/**
 * bcc's inline assembly (the BIOS sources in Xen's tools/firmware): lines from `#asm` to `#endasm`, or from a macro
 * defined as one to a macro defined as the other (`#define ASM_START #asm`), are blanked, markers included, but for a
 * `;` where the block starts (it may stand where a statement is required). As C they were hundreds of syntax errors
 * per file, whose recovery was most of the time tree-sitter spent on such a file.
 */
function blankInlineAssembly(text: string): string {
  if (!text.includes('#asm') && !text.includes('# asm') && !text.includes('ASM_START')) return text;
  // ASM_START/ASM_END: the names the BIOS sources define, for the files they include (clext.c, vbe.c) too.
  const starts = ['#[ \t]*asm', 'ASM_START'];
  const ends = ['#[ \t]*endasm', 'ASM_END'];
  for (const m of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+#[ \t]*(asm|endasm)[ \t]*$/gm)) (m[2] === 'asm' ? starts : ends).push(m[1]);
  const marker = new RegExp(`^[ \\t]*(?:(${starts.join('|')})|(${ends.join('|')}))[ \\t]*$`, 'gm');
  const parts: string[] = [];
  let last = 0;
  let open = -1;
  for (const m of text.matchAll(marker)) {
    if (m[1] !== undefined && open < 0) open = m.index;
    else if (m[2] !== undefined && open >= 0) {
      const end = m.index + m[0].length;
      // A `;` in the marker's place: the block stood where a statement may be required (after a label, an `if`).
      let at = open;
      while (text.charCodeAt(at) === 32 || text.charCodeAt(at) === 9) at++;
      parts.push(text.slice(last, at), ';', blank(text.slice(at + 1, end)));
      last = end;
      open = -1;
    }
  }
  if (!parts.length) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

/**
 * The text tree-sitter is to parse, offsets unchanged. `nesting: false` leaves the nesting limit to the caller, which
 * applies it to the text it parses (extract.ts, whose lexer leaves most of a file out of the parse first).
 */
export function preprocess(source: string, opts: { nesting?: boolean } = {}): Preprocessed {
  const parts: string[] = [];
  let last = 0;
  const re = attributeRegex();
  let directives: DirectiveLines | undefined;
  const pairs = new ParenPairs(source);
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) {
    directives ??= new DirectiveLines(source);
    if (directives.has(m.index)) continue;
    let end = m.index + m[0].length;
    // A bare attribute word followed by `(` is a call or a definition of that name (`__malloc(size_t …)`), not an attribute.
    if (m[2] && /^\s*\(/.test(source.slice(end, end + 8))) continue;
    if (m[1]) {
      const close = pairs.closeAfter(end - 1, MAX_ARGS_SPAN);
      if (close < 0) continue;
      end = close;
    }
    parts.push(source.slice(last, m.index), blank(source.slice(m.index, end)));
    last = end;
    re.lastIndex = end;
  }
  let text = last === 0 ? source : (parts.push(source.slice(last)), parts.join(''));
  text = blankInlineAssembly(text);
  text = rewriteLoopMacros(text);
  text = mergeAlternativeHeaders(text);
  let generated: GeneratedDef[] = [];
  if (text.includes('DEFINE')) ({ text, generated } = rewriteGeneratedDefs(text));
  if (opts.nesting === false) return { text, generated };
  const limited = limitNesting(text);
  if (limited.cuts.length) return { text: limited.text, generated, cuts: limited.cuts };
  return { text, generated };
}
