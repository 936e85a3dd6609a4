// A small SVG line chart sized to its container, with a legend showing each series' latest value.
import { useEffect, useRef, useState } from 'preact/hooks';
import { fmtShort, fmtTime } from '../format';
import { chartRanges } from '../history';
import type { Series } from '../history';
import { chartRange, useSetting } from '../hooks';

const palette = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6', '#84cc16', '#f97316', '#64748b'];

const height = 190;
const pad = { left: 46, right: 12, top: 10, bottom: 24 };

/** Round tick steps (1, 2, 5 × 10^n) so the axis reads well. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

/** Picks the time range of every chart (a shared setting: the pages fetch history to match). */
function RangePicker() {
  const [range, setRange] = useSetting(chartRange);
  return (
    <select class="range" aria-label="Chart range" value={String(range)} onChange={(e) => setRange(Number((e.target as HTMLSelectElement).value))}>
      {chartRanges.map(([age, , label]) => <option key={age} value={String(age)}>{label}</option>)}
    </select>
  );
}

export function Chart(props: { series: Series[]; format: (v: number) => string; testId?: string; empty?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const series = props.series.map((s, i) => ({ ...s, color: palette[i % palette.length] }));
  const all = series.flatMap((s) => s.points);
  const enough = series.some((s) => s.points.length >= 2);
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(...all.map((p) => p[0]));
  const vmax = Math.max(0, ...all.map((p) => p[1]));
  const step = niceStep(vmax > 0 ? vmax : 1, 4);
  const top = Math.max(step, Math.ceil(vmax / step) * step);
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (t: number) => pad.left + (t1 === t0 ? plotW : ((t - t0) / (t1 - t0)) * plotW);
  const y = (v: number) => pad.top + plotH - (v / top) * plotH;
  const yTicks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) yTicks.push(v);
  const xTicks = t1 > t0 ? [0, 1, 2, 3].map((i) => t0 + ((t1 - t0) * i) / 3) : [];

  return (
    <div class="chart" data-testid={props.testId}>
      <div class="chart-title"><RangePicker /></div>
      <div ref={box} class="chart-plot">
        {series.length === 0 || !enough ? (
          <div class="chart-empty" style={`height:${height}px`}>{series.length === 0 ? props.empty ?? 'No data' : 'Collecting data…'}</div>
        ) : (
          <svg width={width} height={height} role="img">
            {yTicks.map((v) => (
              <g key={v}>
                <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} class="grid" />
                <text x={pad.left - 6} y={y(v) + 4} text-anchor="end" class="axis">{fmtShort(v)}</text>
              </g>
            ))}
            {xTicks.map((t, i) => (
              <text key={t} x={x(t)} y={height - 6} text-anchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'} class="axis">{fmtTime(t)}</text>
            ))}
            {/* Drawn last-first, so the first series (e.g. Ready) stays on top of a total that equals it. */}
            {[...series].reverse().map((s) => s.points.length >= 2 && (
              <polyline key={s.key} data-series={s.key} fill="none" stroke={s.color} stroke-width="2" stroke-linejoin="round"
                points={s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ')} />
            ))}
          </svg>
        )}
      </div>
      <ul class="legend">
        {series.map((s) => {
          const last = s.points[s.points.length - 1];
          return (
            <li key={s.key} data-series={s.key}>
              <span class="swatch" style={`background:${s.color}`} />
              <span class="legend-label">{s.label}</span>
              <span class="legend-value">{last ? props.format(last[1]) : '—'}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
