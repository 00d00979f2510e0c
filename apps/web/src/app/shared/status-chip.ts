import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { Icon } from './icon/icon';
import type { IconName } from './icon/icons';

type Tone = 'good' | 'bad' | 'busy' | 'warn' | 'neutral';

/** Every status the API reports (servers, deployments, jobs, steps), with one look each. */
const LOOKS: Record<string, { tone: Tone; icon: IconName }> = {
  ONLINE: { tone: 'good', icon: 'up' },
  RUNNING: { tone: 'good', icon: 'up' },
  SUCCEEDED: { tone: 'good', icon: 'up' },
  OFFLINE: { tone: 'bad', icon: 'down' },
  AUTH_FAILED: { tone: 'bad', icon: 'down' },
  HOST_KEY_MISMATCH: { tone: 'bad', icon: 'warning' },
  NO_DOCKER: { tone: 'warn', icon: 'warning' },
  FAILED: { tone: 'bad', icon: 'down' },
  UNHEALTHY: { tone: 'warn', icon: 'warning' },
  MISSING: { tone: 'warn', icon: 'warning' },
  INSTALLING: { tone: 'busy', icon: 'pending' },
  UNINSTALLING: { tone: 'busy', icon: 'pending' },
  QUEUED: { tone: 'neutral', icon: 'pending' },
  WAITING: { tone: 'busy', icon: 'pending' },
  PENDING: { tone: 'neutral', icon: 'pending' },
  STOPPED: { tone: 'neutral', icon: 'stop' },
  CANCELLED: { tone: 'neutral', icon: 'cancel' },
  SKIPPED: { tone: 'neutral', icon: 'cancel' },
  PARTIAL: { tone: 'warn', icon: 'warning' },
  COMPENSATED: { tone: 'warn', icon: 'undo' },
  UNKNOWN: { tone: 'neutral', icon: 'unknown' },
};

/** "HOST_KEY_MISMATCH" → "Host key mismatch". */
export function statusLabel(status: string): string {
  const words = status.toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A status as a small chip: the same colour and icon for a status everywhere in the console. */
@Component({
  selector: 'tomo-status-chip',
  imports: [Icon],
  template: `<tomo-icon [name]="look().icon" /><span>{{ label() }}</span>`,
  styles: `
    :host {
      display: inline-flex;
      align-items: center;
      gap: 4px;
      padding: 2px 10px 2px 6px;
      border-radius: 999px;
      font: var(--mat-sys-label-large);
      white-space: nowrap;
      vertical-align: middle;
    }
    tomo-icon {
      width: 16px;
      height: 16px;
    }
    :host(.good) {
      background: var(--mat-sys-primary-container);
      color: var(--mat-sys-on-primary-container);
    }
    :host(.bad) {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
    :host(.busy) {
      background: var(--mat-sys-tertiary-container);
      color: var(--mat-sys-on-tertiary-container);
    }
    :host(.warn) {
      background: var(--mat-sys-secondary-container);
      color: var(--mat-sys-on-secondary-container);
    }
    :host(.neutral) {
      background: var(--mat-sys-surface-container-highest);
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  host: { '[class]': 'look().tone' },
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class StatusChip {
  readonly status = input.required<string>();
  protected readonly look = computed(() => LOOKS[this.status()] ?? { tone: 'neutral', icon: 'unknown' });
  protected readonly label = computed(() => statusLabel(this.status()));
}
