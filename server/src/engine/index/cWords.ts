// Words the lexer scans (bodyScan.ts, initializerScan.ts) treat as tree-sitter does: not callees, or literals.

/** Words followed by `(` that tree-sitter does not read as a call of that name. */
export const NOT_CALLEES = new Set([
  'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__typeof', '_Alignof', 'alignof', '__alignof__',
  '__alignof', '_alignof', 'offsetof', '_Generic', 'asm', '__asm__', '__asm', 'defined', 'do', 'else', 'case', 'goto',
  'void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', 'bool', '_Bool', 'struct', 'union',
  'enum', 'const', 'volatile', 'static', 'extern', 'register', 'inline', 'auto', 'restrict', '__restrict', '_Atomic',
  'NULL', 'nullptr', 'true', 'false', 'TRUE', 'FALSE',
]);

/** Right-hand sides tree-sitter reads as literals, not identifiers. */
export const LITERAL_WORDS = new Set(['NULL', 'nullptr', 'true', 'false', 'TRUE', 'FALSE']);

