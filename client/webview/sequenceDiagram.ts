// The trace as a sequence diagram: one column (lifeline) per lane the trace visits, one row per step, an arrow from the
// previous step's lane to this one. d3-scale places lanes and rows; d3-selection builds and updates the SVG.
import { scaleBand, scalePoint } from 'd3-scale';
import { select, type Selection } from 'd3-selection';
import type { Lane, TraceStepView } from '../../server/src/protocol/flowMessages';

export const laneOrder: Lane[] = ['device', 'ioapic', 'lapic', 'xen', 'host', 'vcpu', 'guest'];

const svgNs = 'http://www.w3.org/2000/svg';
const rowHeight = 26;
const header = 28;
const charWidth = 7.3;
/** Longer function names are clipped (the full name is in the row's tooltip and the step details). */
const functionChars = 28;
const laneGap = 64;

export interface DiagramEvents {
  select(index: number): void;
  open(step: TraceStepView): void;
}

export function drawDiagram(host: HTMLElement, steps: TraceStepView[], selected: number, on: DiagramEvents): void {
  const lanes = laneOrder.filter((l) => steps.some((s) => s.lane === l));
  // Columns: position, step id, function; widths from the longest text (monospace), the lanes after them.
  const stepX = 8 + charWidth * String(steps.length).length + 8;
  const functionX = stepX + charWidth * Math.max(4, ...steps.map((s) => s.step.length)) + 10;
  const labelWidth = functionX + charWidth * functionChars + 12;
  const width = labelWidth + Math.max(1, lanes.length) * laneGap;
  const height = header + steps.length * rowHeight + 8;
  const x = scalePoint<string>().domain(lanes).range([labelWidth, width]).padding(0.5);
  const y = scaleBand<number>().domain(steps.map((_, i) => i)).range([header, header + steps.length * rowHeight]).paddingInner(0.15);
  const mid = (i: number) => (y(i) ?? 0) + y.bandwidth() / 2;

  select(host).selectAll('svg').remove();
  const svg = select(host)
    .append(() => document.createElementNS(svgNs, 'svg'))
    .attr('class', 'sequence')
    .attr('width', width)
    .attr('height', height)
    .attr('viewBox', `0 0 ${width} ${height}`)
    .attr('role', 'list')
    .attr('aria-label', 'trace steps');

  const defs = svg.append('defs');
  defs.append('marker').attr('id', 'arrow').attr('viewBox', '0 0 8 8').attr('refX', 7).attr('refY', 4)
    .attr('markerWidth', 7).attr('markerHeight', 7).attr('orient', 'auto-start-reverse')
    .append('path').attr('d', 'M0,0 L8,4 L0,8 z').attr('class', 'arrowhead');

  // Lifelines with their lane names on top.
  const lane = svg.append('g').attr('class', 'lanes').selectAll('g').data(lanes).join('g').attr('class', (d) => `lane lane-${d}`);
  lane.append('text').attr('class', 'lane-name').attr('x', (d) => x(d) ?? 0).attr('y', 16).attr('text-anchor', 'middle').text((d) => d);
  lane.append('line').attr('class', 'lifeline').attr('x1', (d) => x(d) ?? 0).attr('x2', (d) => x(d) ?? 0).attr('y1', header - 6).attr('y2', height);

  const rows = svg.append('g').attr('class', 'rows').selectAll<SVGGElement, TraceStepView>('g').data(steps).join('g')
    .attr('class', (_d, i) => `row${i === selected ? ' selected' : ''}`)
    .attr('data-index', (_d, i) => i)
    .attr('data-step', (d) => d.step)
    .attr('role', 'listitem')
    .on('click', (_e, d) => on.select(steps.indexOf(d)));
  rows.append('rect').attr('class', 'row-bg').attr('x', 0).attr('width', width).attr('y', (_d, i) => y(i) ?? 0).attr('height', y.bandwidth());
  rows.append('text').attr('class', 'row-index').attr('x', 4).attr('y', (_d, i) => mid(i) + 4).text((_d, i) => String(i + 1));
  rows.append('text').attr('class', 'row-step').attr('x', stepX).attr('y', (_d, i) => mid(i) + 4).text((d) => d.step);
  appendFunctionLabel(rows, functionX, mid, on);

  // The arrow from the previous step's lane; a step that stays in its lane gets a dot.
  rows.each(function (d, i) {
    const g = select(this);
    const to = x(d.lane) ?? 0;
    const from = i > 0 ? (x(steps[i - 1].lane) ?? to) : to;
    const yy = mid(i);
    if (from !== to) {
      g.append('line').attr('class', 'message').attr('x1', from).attr('x2', to + (to > from ? -5 : 5)).attr('y1', yy).attr('y2', yy).attr('marker-end', 'url(#arrow)');
    }
    g.append('circle').attr('class', `activation lane-${d.lane}`).attr('cx', to).attr('cy', yy).attr('r', 5);
    g.append('title').text(`${d.step} ${d.title} (${d.lane}): ${d.branch} — ${d.why}`);
  });
}

/** The step's first function, a link to its source; a step with no functions shows its title. */
function appendFunctionLabel(rows: Selection<SVGGElement, TraceStepView, SVGGElement, unknown>, x: number, mid: (i: number) => number, on: DiagramEvents): void {
  rows.append('text')
    .attr('class', (d) => (d.functions.length ? 'row-function link' : 'row-function'))
    .attr('x', x)
    .attr('y', (_d, i) => mid(i) + 4)
    .text((d) => clip(d.functions.map((f) => f.symbol)[0] ?? d.title, functionChars))
    .on('click', (e: MouseEvent, d) => {
      if (!d.functions.length) return;
      e.stopPropagation();
      on.open(d);
    });
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
