import { computed, inject, signal } from '@angular/core';
import { apiError } from '../core/graphql/api-error';
import { Toasts } from './toasts';

/**
 * The changes a page starts from its create form and row actions, one at a time: `busy()` is the
 * key of the running one (its buttons stay disabled meanwhile) and a refusal becomes an error toast.
 * Create it in a field initializer: it injects `Toasts`.
 */
export class BusyActions {
  readonly busy = signal<string | null>(null);
  /** Whether any change is running (pages whose actions all act on one record). */
  readonly any = computed(() => this.busy() !== null);
  private readonly toasts = inject(Toasts);

  async run(key: string, action: () => Promise<unknown>): Promise<void> {
    this.busy.set(key);
    try {
      await action();
    } catch (error) {
      this.toasts.error(apiError(error).message);
    } finally {
      this.busy.set(null);
    }
  }
}
