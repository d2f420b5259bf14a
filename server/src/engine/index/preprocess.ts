// Offset-preserving source rewriting before tree-sitter parses hypervisor C: blanks attribute macros and turns
// generated definitions (DEFINE_IDTENTRY_*(name), SYSCALL_DEFINEn(name, …)) into plain function headers.
// Why: tree-sitter sees `static void __init cf_check f(void)` or `DEFINE_IDTENTRY_SYSVEC(f) {` without the macros'
// expansions and mis-parses them; replacing tokens by spaces keeps every offset, line and column unchanged.

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

/** Generators with a single name argument; the body that follows is (the inner half of) that function. */
const GENERATOR_SINGLE = /^[ \t]*((?:static[ \t]+)?(?:DEFINE_IDTENTRY\w*|DEFINE_FREDENTRY\w*|SYSCALL_DEFINE0|COMPAT_SYSCALL_DEFINE0|DEFINE_INTERRUPT_HANDLER\w*|DEFINE_KVM_HANDLER\w*|__visible_SYSCALL0))\(\s*(\w+)\s*\)(?=\s*(?:\/\*[^]*?\*\/\s*|\/\/[^\n]*\n\s*)*\{)/gm;
/** Generators of the SYSCALL_DEFINEn(name, type, arg, …) family. */
const GENERATOR_ARGS = /^[ \t]*((?:COMPAT_)?SYSCALL_DEFINE[1-6]|SYSCALL32_DEFINE[1-6]|BPF_CALL_[0-5]|SYSCALL_DEFINE_MAXARGS)\(\s*(\w+)\s*,([^{};]*)\)(?=\s*(?:\/\*[^]*?\*\/\s*|\/\/[^\n]*\n\s*)*\{)/gm;

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

/** A generated definition: the function's name as it appears in the source, and the macro that generated it. */
export interface GeneratedDef {
  /** Offset of the name in the rewritten text (where tree-sitter will report it). */
  at: number;
  /** Offset of the name in the original text. */
  original: number;
  macro: string;
}

export interface Preprocessed {
  text: string;
  generated: GeneratedDef[];
}

function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

/** Index just past the parenthesised group starting at `open` (which holds '('), or -1 if unbalanced within 4 KB. */
function skipParens(text: string, open: number): number {
  let depth = 0;
  const limit = Math.min(text.length, open + 4096);
  for (let i = open; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** True when offset `at` is on a preprocessor directive line (`#define __init …` must stay intact). */
function onDirectiveLine(text: string, at: number): boolean {
  let i = at - 1;
  // Walk back to the start of the logical line, through backslash continuations.
  for (;;) {
    while (i >= 0 && text.charCodeAt(i) !== 10) i--;
    if (i > 0 && text.charCodeAt(i - 1) === 92) {
      i -= 2;
      continue;
    }
    if (i > 1 && text.charCodeAt(i - 1) === 13 && text.charCodeAt(i - 2) === 92) {
      i -= 3;
      continue;
    }
    break;
  }
  let j = i + 1;
  while (j < at && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
  return text.charCodeAt(j) === 35;
}

// Iterator macros used as loop heads (`for_each_vcpu ( d, v ) stmt;`, `list_for_each_entry(…) {`, `QTAILQ_FOREACH(…)`,
// `WITH_RCU_READ_LOCK_GUARD() {`): without their expansion tree-sitter sees a call missing its `;` and loses the rest of
// the function. `while` (or `if(1)` for empty arguments) in their place parses the same statement shape.
const LOOP_MACRO = /\b([A-Za-z_]\w*(?:for_each|FOREACH|for_every|_GUARD)\w*|for_each\w*)([ \t]*\()/g;

function rewriteLoopMacros(text: string): string {
  if (!/for_each|FOREACH|for_every|_GUARD/.test(text)) return text;
  return text.replace(LOOP_MACRO, (all: string, name: string, open: string, offset: number) => {
    if (name.length < 5 || onDirectiveLine(text, offset)) return all;
    // Only at the head of a statement: after `;`, `{`, `}`, `)` (if/for heads), `else` or a label's `:`.
    let i = offset - 1;
    while (i >= 0 && /\s/.test(text[i])) i--;
    const prev = text[i];
    const afterElse = i >= 3 && text.slice(i - 3, i + 1) === 'else';
    if (!(prev === ';' || prev === '{' || prev === '}' || prev === ')' || prev === ':' || afterElse || i < 0)) return all;
    const close = skipParens(text, offset + name.length + open.length - 1);
    if (close < 0) return all;
    const after = text.slice(close).match(/^\s*(.)/);
    if (!after || after[1] === ';') return all;
    const args = text.slice(offset + name.length + open.length, close - 1);
    // `NAME(` → `if(1` + spaces (the `)` stays), or `NAME (` → `while (` with the name padded.
    if (!args.trim()) return 'if(1' + ' '.repeat(all.length - 4);
    return 'while' + ' '.repeat(name.length - 5) + open;
  });
}

// Two headers for one body (`#ifdef CONFIG_LINUX\nstatic void f(int a, siginfo_t *i)\n#else\nstatic void f(int a)\n#endif\n{`):
// keep the first header, blank the directives and the alternative, so tree-sitter sees one definition.
const ALTERNATIVE_HEADERS = /^([ \t]*#[ \t]*if[^\n]*\n)([^#{};]*\)[ \t]*(?:\/\*[^\n]*?\*\/[ \t]*)?\n)[ \t]*#[ \t]*else[^\n]*\n[^#{};]*\)[ \t]*(?:\/\*[^\n]*?\*\/[ \t]*)?\n[ \t]*#[ \t]*endif[^\n]*(?=\n\s*\{)/gm;

export function preprocess(source: string): Preprocessed {
  const parts: string[] = [];
  let last = 0;
  const re = attributeRegex();
  let m: RegExpExecArray | null;
  while ((m = re.exec(source))) {
    if (onDirectiveLine(source, m.index)) continue;
    let end = m.index + m[0].length;
    // A bare attribute word followed by `(` is a call or a definition of that name (`__malloc(size_t …)`), not an attribute.
    if (m[2] && /^\s*\(/.test(source.slice(end, end + 8))) continue;
    if (m[1]) {
      const close = skipParens(source, end - 1);
      if (close < 0) continue;
      end = close;
    }
    parts.push(source.slice(last, m.index), blank(source.slice(m.index, end)));
    last = end;
    re.lastIndex = end;
  }
  let text = last === 0 ? source : (parts.push(source.slice(last)), parts.join(''));
  text = rewriteLoopMacros(text);
  if (text.includes('#else')) text = text.replace(ALTERNATIVE_HEADERS, (all: string, ifLine: string, first: string) => ifLine.replace(/[^\n]/g, ' ') + first + blank(all.slice(ifLine.length + first.length)));
  const generated: GeneratedDef[] = [];
  if (text.includes('DEFINE')) {
    text = text.replace(GENERATOR_SINGLE, (all: string, macro: string, name: string, offset: number) => {
      // `M(name)` → `void    name()`: the name moves one column left to make room for `()`.
      const nameAt = offset + all.indexOf(name, all.indexOf('(') + 1);
      const out = 'void' + ' '.repeat(Math.max(0, all.length - 4 - name.length - 2)) + name + '()';
      if (out.length !== all.length) return all;
      generated.push({ at: offset + all.length - 2 - name.length, original: nameAt, macro: macro.replace(/^static\s+/, '') });
      return out;
    });
    text = text.replace(GENERATOR_ARGS, (all: string, macro: string, name: string, args: string, offset: number) => {
      // `SYSCALL_DEFINE2(name, int, a, char *, b)` → `long            name( int  a, char *  b)`.
      const open = all.indexOf('(');
      const nameAt = all.indexOf(name, open + 1);
      const comma = all.indexOf(',', nameAt + name.length);
      let n = 0;
      const params = args.replace(/,/g, () => (n++ % 2 === 0 ? ' ' : ','));
      const head = all.slice(0, open + 1);
      const out = 'long' + ' '.repeat(head.length - 4) + all.slice(open + 1, comma) + '(' + params + ')';
      if (out.length !== all.length) return all;
      generated.push({ at: offset + nameAt, original: offset + nameAt, macro: macro.trim() });
      return out;
    });
  }
  return { text, generated };
}
