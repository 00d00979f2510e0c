import { Injectable } from '@nestjs/common';
import type { WorkflowDefinition } from './workflow-definition';

type AnyWorkflow = WorkflowDefinition<never>;

/**
 * The workflow definitions of this process, by job kind. Feature modules register theirs in
 * onModuleInit; the worker checks at boot (onApplicationBootstrap) that every job kind has one.
 */
@Injectable()
export class WorkflowRegistry {
  private readonly definitions = new Map<string, AnyWorkflow>();
  private serverLimit: (serverId: string) => number | Promise<number> = () => 1;

  register<I>(definition: WorkflowDefinition<I>): void {
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
