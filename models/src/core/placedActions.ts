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

type PointKind = (typeof POINT_KINDS)[number];

function kindOf(at: ActionPoint): PointKind {
  return Object.keys(at)[0] as PointKind;
}

function valueOf(at: ActionPoint, kind: PointKind): string {
  return String((at as Record<string, unknown>)[kind]);
}

export class PlacedActions {
  /** Waiting actions (list indices, in list order) by point kind, then by the point's step, handler or time. */
  private readonly waiting = new Map<PointKind, Map<string, number[]>>();
  private readonly points = new Map<number, ActionPoint>();

  /** Arm action `i` (in list order) for its point. */
  arm(i: number, at: ActionPoint): void {
    const kind = kindOf(at);
    let byValue = this.waiting.get(kind);
    if (!byValue) this.waiting.set(kind, (byValue = new Map()));
    const v = valueOf(at, kind);
    const list = byValue.get(v);
    if (list) list.push(i);
    else byValue.set(v, [i]);
    this.points.set(i, at);
  }

  /** True when some action waits for this point (a lookup: the run asks at every step). */
  waits(kind: PointKind, value: string): boolean {
    return this.waiting.get(kind)?.has(value) ?? false;
  }

  /** The earliest-listed action waiting for any of these points, removed; undefined when none waits. */
  take(points: ActionPoint[]): number | undefined {
    let best: { list: number[]; byValue: Map<string, number[]>; value: string; i: number } | undefined;
    for (const p of points) {
      const kind = kindOf(p);
      const byValue = this.waiting.get(kind);
      const value = valueOf(p, kind);
      const list = byValue?.get(value);
      const i = list?.[0];
      if (i !== undefined && (best === undefined || i < best.i)) best = { list: list!, byValue: byValue!, value, i };
    }
    if (!best) return undefined;
    best.list.shift();
    if (best.list.length === 0) best.byValue.delete(best.value);
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
