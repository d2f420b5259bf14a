// A parse worker runs its extraction once over a small built-in C text before its first batch. V8 compiles a function
// for the type feedback its code has gathered; a path first met in optimized code (a CRLF continuation, an unbalanced
// bracket's message, an `#else` branch left out) deoptimizes it, and the lexer's large loops then run unoptimized
// until they are hot again and cost the compiler threads ~50 ms per compile. Meeting every path here first, while the
// main thread walks the tree, leaves fewer deoptimizations for the real files.
import { tokenize } from './cTokens';
import { extractSource } from './extract';
import { identifierHashes } from './lexer';

/** C written to touch each path of the lexer passes, the body scan and the record collection. */
export const WARMUP_SOURCE = [
  '#include <stdio.h>\r\n#include "local.h"\n#define LIMIT(x) ((x) + 1) \\\n\t+ 2\r\n#define FLAG 0x1fUL\n#undef OLD\n',
  '#pragma once\n/* a block comment */ // a line comment \\\n continued\n',
  'int joined = 1 + \\\n\t2 + \\\r\n\t3;\r\n',
  'typedef unsigned long ulong_t;\nstruct ops { int (*ack)(struct desc *d); void (*mask)(int irq); };\n',
  'enum state { IDLE, BUSY = 2 };\nunion u { int a; char b[4]; };\nextern int counter;\nstatic int table[] = { 1, 2, 3 };\n',
  'static const struct ops chip_ops = { .ack = ack_one, .mask = mask_one, };\nint proto(int a, char *b);\n',
  '#ifdef __cplusplus\nextern "C" {\n#endif\n',
  'static int __init cf_check ack_one(struct desc *d)\n{\n\tstruct ops *o = d->ops;\n\tint i, $n = 0;\n',
  '\tlong v = 0x1fUL + 1e+5 + .5 + 3.f + 0x1p-3;\n\tchar c = \'\\n\';\n\tconst char *s = "q\\"\\n";\n',
  '#if defined(A)\n\tif (d->irq) {\n#elif B\n\tif (d->line) {\n\t\tnote(d);\n#else\n\tif (v) {\n#endif\n\t\to->mask(d->irq);\n\t}\n',
  '#ifdef DEBUG\n\tdump(d);\n#else\n\tquiet(d);\n#endif\n',
  '\tfor (i = 0; i < 4; i++) { v += table[i]; v <<= 1; v >>= 1; v -= 1; v *= 2; v /= 2; v %= 3; v &= 1; v |= 2; v ^= 3; }\n',
  '\twhile (i-- > 0 && v != 0 || v == 1) v = v <= 2 ? ~v : !v % 2 ^ v & 1 | 0;\n',
  '\tswitch (v) { case 1: i++; break; default: i--; }\n\tdo { i = LIMIT(i); } while (0);\n',
  '\td->ops->ack(d);\n\t(*o->mask)(d->irq);\n\to = &chip_ops;\n\td->handler = mask_one;\n\treturn o->ack ? o->ack(d) : sizeof(v);\n}\n',
  'void mask_one(int irq)\n{\n\tstruct { int a; } local = { .a = irq };\n\tpr_info("%d %s", irq, __func__, ...);\n\tgoto out;\nout:\n\treturn;\n}\n',
  'int old_style(a, b)\n\tint a; char *b;\n{\n\treturn a;\n}\n',
  '#ifdef __cplusplus\n}\n#endif\n',
].join('');

/** Texts whose brackets the lexer cannot trust, and an unterminated comment: their own paths. */
export const WARMUP_ODD = ['f()\n{\n\tif (a) {\n}\n', 'f()\n{\n#if A\n}\n#endif\n}\n', 'g(a]\n', 'int x; /* unterminated', 'PASTE(a ## b, # c);\n'];

let warmed = false;

/**
 * V8 gathers a function's type feedback only from its ninth call on (`--invocation-count-for-feedback-allocation`):
 * each function is run more often than that.
 */
const WARMUP_ROUNDS = 12;

/**
 * Transferring an ArrayBuffer (as each batch's reply does) invalidates a process-wide V8 assumption, the first time in
 * a thread, that no buffer is ever detached: every optimized function that reads a typed array is thrown away and
 * compiled again (on Xen, ~30 functions per worker, the lexer's ~80 ms of compile each time). Detaching one buffer
 * before anything is optimized makes V8 compile those functions once, with the check in place.
 */
function detachOnce(): void {
  const b = new ArrayBuffer(8);
  structuredClone(b, { transfer: [b] });
}

/**
 * Runs the extraction over the built-in text (once per thread); `stopped` is asked between rounds (a worker that is
 * about to be terminated ends its warm-up early).
 */
export function warmExtraction(stopped: () => boolean = () => false): void {
  if (warmed) return;
  warmed = true;
  detachOnce();
  for (let k = 0; k < WARMUP_ROUNDS && !stopped(); k++) {
    extractSource(WARMUP_SOURCE, 'warmup.c', WARMUP_SOURCE.length, 0);
    for (const t of WARMUP_ODD) {
      // Through the kept arrays, after a longer text: the clearing of what that text left past this one's tokens.
      tokenize(t, true);
      identifierHashes(t);
    }
  }
}
