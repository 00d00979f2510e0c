import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  input,
  signal,
  viewChild,
  ViewEncapsulation,
} from '@angular/core';
import uPlot from 'uplot';
import { ThemeService } from '../core/theme/theme.service';

/** One line of a chart: a value (or null for a gap) per time of `times`. */
export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

/** Line colours, from the Material theme so that they follow light and dark. */
const COLORS = ['--mat-sys-primary', '--mat-sys-tertiary', '--mat-sys-error'];

/**
 * A time-series line chart (uPlot, ~20 kB gzipped) driven by signals: it redraws when its inputs
 * or the theme change and follows its container's width. Values are drawn on a 0-100 % scale, the
 * legend below names each line with its newest value, and the canvas is described for screen
 * readers by the same summary.
 */
@Component({
  selector: 'tomo-time-chart',
  template: `
    <figure>
      <figcaption>{{ title() }}</figcaption>
      <div #plot class="plot" role="img" [attr.aria-label]="summary()"></div>
      <span #probe class="probe" aria-hidden="true"></span>
      @if (times().length === 0) {
        <p class="empty">No samples in this range yet.</p>
      }
      <ul class="legend">
        @for (line of legend(); track line.label) {
          <li><span class="marker" [style.background]="line.color"></span>{{ line.label }}: {{ line.latest }}</li>
        }
      </ul>
    </figure>
  `,
  // uPlot builds its own DOM inside the plot element: its layout rules cannot be encapsulated.
  encapsulation: ViewEncapsulation.None,
  styles: `
    tomo-time-chart {
      display: block;
      min-width: 0;
    }
    tomo-time-chart figure {
      margin: 0;
    }
    tomo-time-chart figcaption {
      font: var(--mat-sys-title-small);
      margin-bottom: 8px;
    }
    tomo-time-chart .plot {
      min-height: 180px;
    }
    tomo-time-chart .probe {
      display: none;
    }
    tomo-time-chart .empty {
      color: var(--mat-sys-on-surface-variant);
      margin: 0;
    }
    tomo-time-chart .legend {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 16px;
      list-style: none;
      padding: 0;
      margin: 8px 0 0;
      font: var(--mat-sys-body-small);
    }
    tomo-time-chart .marker {
      display: inline-block;
      width: 10px;
      height: 10px;
      border-radius: 50%;
      margin-right: 6px;
    }
    tomo-time-chart .uplot,
    tomo-time-chart .uplot * {
      box-sizing: border-box;
    }
    tomo-time-chart .uplot {
      width: min-content;
      font-family: inherit;
    }
    tomo-time-chart .u-wrap {
      position: relative;
      user-select: none;
    }
    tomo-time-chart .u-over,
    tomo-time-chart .u-under,
    tomo-time-chart .u-axis,
    tomo-time-chart .u-select {
      position: absolute;
    }
    tomo-time-chart .u-under {
      overflow: hidden;
    }
    tomo-time-chart .uplot canvas {
      display: block;
      position: relative;
      width: 100%;
      height: 100%;
    }
    tomo-time-chart .u-cursor-x,
    tomo-time-chart .u-cursor-y,
    tomo-time-chart .u-cursor-pt {
      position: absolute;
      left: 0;
      top: 0;
      pointer-events: none;
    }
    tomo-time-chart .u-cursor-x {
      height: 100%;
      border-right: 1px dashed var(--mat-sys-outline);
    }
    tomo-time-chart .u-cursor-y {
      display: none;
    }
    tomo-time-chart .u-cursor-pt {
      border-radius: 50%;
      border: 0 solid;
      background-clip: padding-box !important;
    }
    tomo-time-chart .u-off {
      display: none;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TimeChart {
  readonly title = input.required<string>();
  /** The time axis, ms since the epoch: the range asked for, however few samples fall in it. */
  readonly from = input.required<number>();
  readonly to = input.required<number>();
  /** Sample times, ms since the epoch, oldest first. */
  readonly times = input.required<readonly number[]>();
  /** Percentages (0-100), one list per line. */
  readonly series = input.required<readonly ChartSeries[]>();
  readonly height = input(180);

  private readonly theme = inject(ThemeService);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly plotElement = viewChild.required<ElementRef<HTMLDivElement>>('plot');
  private readonly probe = viewChild.required<ElementRef<HTMLSpanElement>>('probe');
  private readonly width = signal(0);
  private plot?: uPlot;

  protected readonly legend = computed(() =>
    this.series().map((line, index) => {
      const latest = [...line.values].reverse().find((value) => value != null);
      return {
        label: line.label,
        color: `var(${COLORS[index % COLORS.length]})`,
        latest: latest == null ? '—' : `${latest.toFixed(1)} %`,
      };
    }),
  );
  protected readonly summary = computed(
    () =>
      `${this.title()}, ${this.times().length} samples. Newest: ${
        this.legend()
          .map((l) => `${l.label} ${l.latest}`)
          .join(', ') || 'none'
      }.`,
  );

  constructor() {
    const destroyRef = inject(DestroyRef);
    afterNextRender(() => {
      const observer = new ResizeObserver(([entry]) => this.width.set(Math.floor(entry.contentRect.width)));
      observer.observe(this.host.nativeElement);
      destroyRef.onDestroy(() => observer.disconnect());
    });
    // Rebuilt on any change: the data is a few hundred points, and colours come from the theme.
    effect(() => {
      const width = this.width();
      this.from();
      this.to();
      const times = this.times();
      const series = this.series();
      this.theme.isDark();
      this.plot?.destroy();
      this.plot = undefined;
      if (width === 0 || times.length === 0) return;
      this.plot = new uPlot(
        this.options(width, series),
        [times.map((t) => t / 1000), ...series.map((s) => [...s.values])],
        this.plotElement().nativeElement,
      );
    });
    destroyRef.onDestroy(() => this.plot?.destroy());
  }

  private options(width: number, series: readonly ChartSeries[]): uPlot.Options {
    const axisColor = this.color('--mat-sys-on-surface-variant');
    const gridColor = this.color('--mat-sys-outline-variant');
    const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    return {
      width,
      height: this.height(),
      legend: { show: false },
      scales: { x: { time: true, range: [this.from() / 1000, this.to() / 1000] }, y: { range: [0, 100] } },
      axes: [axis, { ...axis, size: 56, values: (_plot, ticks) => ticks.map((tick) => `${tick} %`) }],
      series: [
        {},
        // Points large enough to see when a range holds a single sample (a new server).
        ...series.map((line, index) => ({
          label: line.label,
          stroke: this.color(COLORS[index % COLORS.length]),
          width: 2,
          points: { size: 7 },
        })),
      ],
    };
  }

  /**
   * The colour a theme variable resolves to now, as rgb(): Material's values may be `light-dark()`
   * expressions, which a canvas cannot parse, so the browser resolves them on a hidden element.
   */
  private color(variable: string): string {
    const probe = this.probe().nativeElement;
    probe.style.color = `var(${variable})`;
    return getComputedStyle(probe).color;
  }
}
