// Words the lexer scans (bodyScan.ts, initializerScan.ts, headScan.ts) treat as tree-sitter does: not callees,
// literals, the words of a sized type.

/** Words followed by `(` that tree-sitter does not read as a call of that name. */
export const NOT_CALLEES = new Set([
  'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__typeof', '_Alignof', 'alignof', '__alignof__',
  '__alignof', '_alignof', 'offsetof', '_Generic', 'asm', '__asm__', '__asm', 'defined', 'do', 'else', 'case', 'goto',
  'void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', 'bool', '_Bool', 'struct', 'union',
  'enum', 'const', 'volatile', 'static', 'extern', 'register', 'inline', 'auto', 'restrict', '__restrict', '_Atomic',
  'NULL', 'nullptr', 'true', 'false', 'TRUE', 'FALSE',
]);

/** Words of a multi-word primitive type (`unsigned long long`). */
export const SIZED_TYPE_WORDS = new Set(['unsigned', 'signed', 'long', 'short', 'int', 'char', 'double', 'float']);

/** Right-hand sides tree-sitter reads as literals, not identifiers. */
export const LITERAL_WORDS = new Set(['NULL', 'nullptr', 'true', 'false', 'TRUE', 'FALSE']);

