/** One pipeline's timeline chart (uPlot), created when its card first scrolls into view. */
import uPlot from 'uplot';
import type { RecoveryEvent } from './api-types.js';
import { formatDuration } from './format.js';
import { timelineData } from './timeline-data.js';

const COLORS = {
  checkpoint: '#1f5fa8',
  push: '#177245',
  pull: '#7a3fb0',
  failure: '#b3261e',
};

function pointsOnly(color: string, size: number): Partial<uPlot.Series> {
  return {
    stroke: color,
    fill: color,
    width: 0,
    paths: () => null,
    points: { show: true, size, fill: color, stroke: color },
    spanGaps: false,
  };
}

/** A chart bound to a container; `update` redraws with new events or a new window. */
export class Timeline {
  private plot: uPlot | null = null;
  private readonly resize: ResizeObserver;
  /** The x range shown: the window ending now (read by the scale's range function). */
  private bounds: [number, number] = [0, 1];

  constructor(
    private readonly container: HTMLElement,
    private readonly caption: HTMLElement,
  ) {
    this.resize = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.width(), height: 160 });
    });
    this.resize.observe(container);
  }

  private width(): number {
    return Math.max(200, Math.floor(this.container.clientWidth));
  }

  update(events: readonly RecoveryEvent[], nowMs: number, windowSecs: number): void {
    const data = timelineData(events, nowMs, windowSecs);
    this.caption.textContent = data.summary;
    const nowS = nowMs / 1000;
    this.bounds = [nowS - windowSecs, nowS];
    const columns = data.columns as unknown as uPlot.AlignedData;
    if (!this.plot) {
      this.plot = new uPlot(
        {
          width: this.width(),
          height: 160,
          legend: { show: true, live: false },
          cursor: { drag: { x: false, y: false } },
          scales: {
            x: { time: true, range: () => this.bounds },
            s: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 1) * 1.15)] },
            mark: { range: () => [0, 1] },
          },
          axes: [
            { stroke: '#333', grid: { stroke: '#e3e3e3' } },
            {
              scale: 's',
              stroke: '#333',
              grid: { stroke: '#e3e3e3' },
              size: 50,
              values: (_u, splits) => splits.map((v) => formatDuration(v)),
            },
          ],
          series: [
            { label: 'time' },
            { label: 'checkpoint taken', scale: 'mark', ...pointsOnly(COLORS.checkpoint, 7) },
            { label: 'push duration', scale: 's', ...pointsOnly(COLORS.push, 8) },
            { label: 'pull duration', scale: 's', ...pointsOnly(COLORS.pull, 8) },
            { label: 'failed push or pull', scale: 'mark', ...pointsOnly(COLORS.failure, 9) },
          ],
        },
        columns,
        this.container,
      );
      const canvas = this.container.querySelector('canvas');
      canvas?.setAttribute('role', 'img');
      canvas?.setAttribute('aria-label', data.summary);
    } else {
      this.plot.setData(columns);
      this.container.querySelector('canvas')?.setAttribute('aria-label', data.summary);
    }
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }
}
