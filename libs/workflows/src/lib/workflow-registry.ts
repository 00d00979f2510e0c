import { Injectable } from '@nestjs/common';
import type { JobStatus, StepStatus } from '@tomo/shared';
import type { WorkflowDefinition } from './workflow-definition';

type AnyWorkflow = WorkflowDefinition<never, unknown>;

/** A job reached a final status (SUCCEEDED, FAILED, CANCELLED) in this worker. */
export interface JobFinished {
  jobId: string;
  kind: string;
  status: JobStatus;
  serverId: string | null;
  deploymentId: string | null;
  error: { code: string; message: string } | null;
}

/** A step attempt ended in this worker (succeeded, skipped, failed for good, cancelled, or will be retried). */
export interface StepFinished {
  jobId: string;
  kind: string;
  step: string;
  status: StepStatus;
  durationMs: number;
}

/**
 * Told about runs as the worker records them (metrics, notifications). Called after the change
 * is durable; must not throw or block: the step loop does not wait for it.
 */
export interface WorkflowObserver {
  jobFinished?(event: JobFinished): void;
  stepFinished?(event: StepFinished): void;
}

/**
 * The workflow definitions of this process, by job kind. WorkflowDiscovery registers those of
 * the `@DefinesWorkflows()` providers (tests and benchmarks may also register their own); the
 * worker checks at boot (onApplicationBootstrap) that every job kind has exactly one.
 */
@Injectable()
export class WorkflowRegistry {
  private readonly definitions = new Map<string, AnyWorkflow>();
  private serverLimit: (serverId: string) => number | Promise<number> = () => 1;
  private readonly observers: WorkflowObserver[] = [];

  register<I, C>(definition: WorkflowDefinition<I, C>): void {
    if (this.definitions.has(definition.kind)) {
      throw new Error(`Workflow "${definition.kind}" is registered twice`);
    }
    const names = definition.steps.map((step) => step.name);
    if (names.length === 0) throw new Error(`Workflow "${definition.kind}" has no steps`);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new Error(`Workflow "${definition.kind}" has two steps named "${duplicate}"`);
    this.definitions.set(definition.kind, definition as unknown as AnyWorkflow);
  }

  get(kind: string): WorkflowDefinition<Record<string, unknown>> | undefined {
    return this.definitions.get(kind) as WorkflowDefinition<Record<string, unknown>> | undefined;
  }

  /**
   * How many mutating workflows may run on a server at once (default 1). The servers module
   * sets this to read its per-server setting.
   */
  setServerConcurrency(limit: (serverId: string) => number | Promise<number>): void {
    this.serverLimit = limit;
  }

  serverConcurrency(serverId: string): number | Promise<number> {
    return this.serverLimit(serverId);
  }

  observe(observer: WorkflowObserver): void {
    this.observers.push(observer);
  }

  /** Tells every observer; an observer's error is reported to `onError`, never to the run. */
  notify(event: { job: JobFinished } | { step: StepFinished }, onError: (error: unknown) => void): void {
    for (const observer of this.observers) {
      try {
        if ('job' in event) observer.jobFinished?.(event.job);
        else observer.stepFinished?.(event.step);
      } catch (error) {
        onError(error);
      }
    }
  }

  kinds(): string[] {
    return [...this.definitions.keys()];
  }

  /** Throws unless exactly the given kinds are registered (the worker's boot check). */
  assertExactly(kinds: readonly string[]): void {
    const missing = kinds.filter((kind) => !this.definitions.has(kind));
    const unknown = this.kinds().filter((kind) => !kinds.includes(kind));
    if (missing.length > 0 || unknown.length > 0) {
      const parts = [
        missing.length > 0 && `no workflow registered for ${missing.join(', ')}`,
        unknown.length > 0 && `workflows registered for unknown job kinds ${unknown.join(', ')}`,
      ].filter(Boolean);
      throw new Error(`Workflow registry check failed: ${parts.join('; ')}`);
    }
  }
}
