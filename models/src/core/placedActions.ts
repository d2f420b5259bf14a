// Scenario actions placed at a point of the run (`at`), indexed by the point they wait for so a long schedule does not
// test every waiting action at every step. A point fires the earliest-listed action waiting for it, once.

export type ActionPoint =
  | { beforeStep: string }
  | { afterStep: string }
  /** While a handler runs: right after the step that delivered to it (the chain it is on resumes afterwards). */
  | { whileHandler: string }
  /** When the logical clock (one tick per step) reaches this time, counted from the start of the scenario. */
  | { afterTime: number }
  /** Before the work a step handed to another context (its `deferTo`: an IPI, a kick, a timer …) is processed. */
  | { beforeDeferred: string };

export const POINT_KINDS = ['beforeStep', 'afterStep', 'whileHandler', 'afterTime', 'beforeDeferred'] as const;

function keyOf(at: ActionPoint): string {
  const [kind] = Object.keys(at);
  return `${kind}:${String((at as Record<string, unknown>)[kind])}`;
}

export class PlacedActions {
  private readonly waiting = new Map<string, number[]>();
  private readonly points = new Map<number, ActionPoint>();

  /** Arm action `i` (in list order) for its point. */
  arm(i: number, at: ActionPoint): void {
    const k = keyOf(at);
    const list = this.waiting.get(k);
    if (list) list.push(i);
    else this.waiting.set(k, [i]);
    this.points.set(i, at);
  }

  /** The earliest-listed action waiting for any of these points, removed; undefined when none waits. */
  take(points: ActionPoint[]): number | undefined {
    let best: { key: string; i: number } | undefined;
    for (const p of points) {
      const k = keyOf(p);
      const i = this.waiting.get(k)?.[0];
      if (i !== undefined && (best === undefined || i < best.i)) best = { key: k, i };
    }
    if (!best) return undefined;
    const list = this.waiting.get(best.key)!;
    list.shift();
    if (list.length === 0) this.waiting.delete(best.key);
    this.points.delete(best.i);
    return best.i;
  }

  /** Actions whose point never came, in list order. */
  unfired(): { i: number; at: ActionPoint }[] {
    return [...this.points].sort((a, b) => a[0] - b[0]).map(([i, at]) => ({ i, at }));
  }

  get size(): number {
    return this.points.size;
  }
}
