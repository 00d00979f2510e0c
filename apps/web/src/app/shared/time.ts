import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import type { TimeFormat } from '../core/graphql/generated/graphql';
import { ThemeService } from '../core/theme/theme.service';

/** One shared clock for relative times and countdowns, ticking each second while a page shows one. */
const clock = signal(Date.now());
setInterval(() => clock.set(Date.now()), 1_000);
export const now = clock.asReadonly();

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
/** Absolute times by the user's time format; SYSTEM leaves the clock to the locale. */
const absoluteFormats: Record<TimeFormat, Intl.DateTimeFormat> = {
  SYSTEM: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }),
  H24: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', hourCycle: 'h23' }),
  H12: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', hourCycle: 'h12' }),
};

export function absoluteTime(at: Date, format: TimeFormat): string {
  return absoluteFormats[format].format(at);
}

export function relativeTime(at: Date, from: number): string {
  const delta = at.getTime() - from;
  if (Math.abs(delta) < 5_000) return 'just now';
  const [unit, size] = UNITS.find(([, ms]) => Math.abs(delta) >= ms) ?? UNITS[UNITS.length - 1];
  return relativeFormat.format(Math.round(delta / size), unit);
}

/** 950 → "950 ms", 61_000 → "1 m 1 s". */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} m ${Math.round((ms % 60_000) / 1_000)} s`;
}

/** A time shown relative ("3 minutes ago"), with the absolute time as a tooltip. */
@Component({
  selector: 'tomo-time',
  template: `@if (date(); as d) {
      <time [attr.datetime]="value()" [title]="absolute()">{{ relative() }}</time>
    } @else {
      <span class="never">{{ empty() }}</span>
    }`,
  styles: `
    .never {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TimeAgo {
  private readonly preferences = inject(ThemeService);
  readonly value = input<string | null | undefined>();
  /** What to show without a time. */
  readonly empty = input('never');
  protected readonly date = computed(() => {
    const value = this.value();
    return value ? new Date(value) : null;
  });
  protected readonly relative = computed(() => {
    const date = this.date();
    return date ? relativeTime(date, now()) : '';
  });
  protected readonly absolute = computed(() => {
    const date = this.date();
    return date ? absoluteTime(date, this.preferences.timeFormat()) : '';
  });
}
