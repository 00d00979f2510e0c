import { effect, type ResourceRef, signal } from '@angular/core';

/**
 * Applies live updates (subscriptions) to a resource's value. Before its first answer there is
 * nothing to patch, and setting a resource that is loading cancels the load and leaves it empty
 * for good: the update is not applied then; the resource loads again once its answer is in,
 * since that answer may predate the update. Call in an injection context (it uses an effect).
 */
export function livePatch<T>(resource: ResourceRef<T | undefined>): (patch: (value: T) => T) => void {
  const missed = signal(false);
  effect(() => {
    if (missed() && resource.hasValue()) {
      missed.set(false);
      resource.reload();
    }
  });
  // Not narrowed by hasValue() below, so that it takes the patched value as it is.
  const target: ResourceRef<T | undefined> = resource;
  return (patch) => {
    if (resource.hasValue()) target.set(patch(resource.value()));
    else missed.set(true);
  };
}
