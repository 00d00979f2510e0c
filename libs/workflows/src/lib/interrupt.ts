type Listener = (reason: unknown) => void;

/**
 * An abort flag with listeners, for a run (its cancellation) and for one attempt of a step
 * (cancellation or timeout). It makes an AbortController only when a step asks for
 * `ctx.signal`: quick steps that never do would otherwise spend more time creating and
 * listening on AbortSignals than on their own work.
 */
export class Interrupt {
  private controller: AbortController | null = null;
  private listeners: Listener[] = [];
  private abortReason: unknown = undefined;
  private isAborted = false;

  get aborted(): boolean {
    return this.isAborted;
  }

  get reason(): unknown {
    return this.abortReason;
  }

  /** An AbortSignal that follows this interrupt (aborted already if it is). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Aborts once; later calls are ignored. */
  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener(reason);
  }

  /** Calls `listener` when aborted (at once if it is already); returns a function that stops listening. */
  onAbort(listener: Listener): () => void {
    if (this.isAborted) {
      listener(this.abortReason);
      return () => undefined;
    }
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}

/** Settles with `run`, or rejects with the interrupt's reason as soon as it fires. */
export function untilInterrupted<T>(run: () => Promise<T>, interrupt: Interrupt): Promise<T> {
  if (interrupt.aborted) return Promise.reject(interrupt.reason);
  return new Promise<T>((resolve, reject) => {
    const stopListening = interrupt.onAbort(reject);
    run().then(
      (value) => {
        stopListening();
        resolve(value);
      },
      (error: unknown) => {
        stopListening();
        reject(error);
      },
    );
  });
}
