// Seeded mutations of text: insert hostile fragments, delete, duplicate and swap ranges, repeat a fragment many times.
import type { Rng } from '../models/seededRandom';

const FRAGMENTS = [
  '/*', '*/', '//', '\\', '\\\n', '"', "'", '(', ')', '{', '}', '[', ']', ';', ',', '#if 1\n', '#else\n', '#endif\n',
  '#define X(a) ((a)', 'DEFINE_IDTENTRY(f)', 'SYSCALL_DEFINE2(f, int, a, int, b)', 'for_each_cpu(c)', '__attribute__((',
  '__init ', 'static ', 'if (x) ', '->f()', ' * ', '\n', '\t', ' ', '\u0000', '\ufffd', 'é', '\r\n', '?:', 'else ',
  'struct s { int (*f)(void); };', 'int f(void) {', 'x = y = z', '0x1fULL', '/**/',
];

export function mutateText(rng: Rng, text: string, rounds = rng.int(1, 6)): string {
  let t = text;
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(0, t.length);
    switch (rng.int(0, 5)) {
      case 0:
        t = t.slice(0, at) + rng.pick(FRAGMENTS) + t.slice(at);
        break;
      case 1:
        t = t.slice(0, at) + t.slice(Math.min(t.length, at + rng.int(1, 200)));
        break;
      case 2: {
        const len = rng.int(1, 300);
        t = t.slice(0, at) + t.slice(at, at + len) + t.slice(at);
        break;
      }
      case 3:
        t = t.slice(0, at) + rng.pick(FRAGMENTS).repeat(rng.int(10, rng.bool(0.2) ? 5000 : 200)) + t.slice(at);
        break;
      case 4: {
        const b = rng.int(0, t.length);
        const [x, y] = at < b ? [at, b] : [b, at];
        t = t.slice(y) + t.slice(x, y) + t.slice(0, x);
        break;
      }
      default:
        t = t.slice(0, at) + String.fromCharCode(rng.int(0, 0x2fff)) + t.slice(at);
    }
  }
  return t;
}
