import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ScrollBox } from './ui';

export interface ChartSeries {
  label: string;
  values: number[];
}

/** Colours told apart on a light and a dark background (and by people with red-green deficiency). */
const PALETTE = ['#3b6fe0', '#e07b00', '#0f9d8a', '#c2418f', '#7a5cd6', '#8a8f98'];

const HEIGHT = 240;

/**
 * Lines over days with uPlot (a canvas, ~50 kB): one line per series, a legend that shows the
 * values under the cursor, and the same figures as a table for screen readers and keyboard users
 * (a canvas says nothing by itself). `days` are `YYYY-MM-DD` (UTC), one per value.
 */
export function LineChart({
  title,
  days,
  series,
}: {
  title: string;
  days: string[];
  series: ChartSeries[];
}) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const text = getComputedStyle(element).color;
    const grid = 'rgba(128, 128, 128, 0.25)';
    const axis = { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid } };
    const chart = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: HEIGHT,
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
        scales: { x: { time: true } },
        axes: [axis, { ...axis, size: 56 }],
        series: [
          { label: 'Day' },
          ...series.map((line, index) => ({
            label: line.label,
            stroke: PALETTE[index % PALETTE.length],
            width: 2,
            points: { size: 5 },
          })),
        ],
      },
      [days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000), ...series.map((s) => s.values)],
      element,
    );
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [days, series]);

  const summary = series
    .map((line) => `${line.label}: ${line.values.reduce((sum, value) => sum + value, 0)} in all`)
    .join(', ');
  return (
    <figure className="chart card">
      <figcaption>
        <h3>{title}</h3>
      </figcaption>
      <div ref={box} className="chart-canvas" role="img" aria-label={`${title}. ${summary}.`} />
      <details>
        <summary>{title} as a table</summary>
        <ScrollBox label={`${title} as a table`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Period</th>
                {series.map((line) => (
                  <th scope="col" key={line.label}>
                    {line.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {days.map((day, row) => (
                <tr key={day}>
                  <th scope="row">{day}</th>
                  {series.map((line) => (
                    <td key={line.label}>{line.values[row]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      </details>
    </figure>
  );
}
