import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { WorkflowDefinition } from './workflow-definition';
import { WorkflowRegistry } from './workflow-registry';

/**
 * Marks a provider whose `workflows()` the engine registers when the application starts (in
 * every process that imports WorkflowsModule): `@DefinesWorkflows() class XWorkflows implements
 * WorkflowSource`. The worker then checks at boot that every job kind has exactly one definition.
 */
export const DefinesWorkflows = DiscoveryService.createDecorator<void>();

export interface WorkflowSource {
  workflows(): readonly WorkflowDefinition<never, unknown>[];
}

/** Collects the workflows of every `@DefinesWorkflows()` provider into the registry, once. */
@Injectable()
export class WorkflowDiscovery implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registry: WorkflowRegistry,
  ) {}

  /** Providers are all instantiated before any onModuleInit: every source is there by now. */
  onModuleInit(): void {
    const definedBy = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders({ metadataKey: DefinesWorkflows.KEY })) {
      const source = wrapper.instance as WorkflowSource;
      for (const definition of source.workflows()) {
        const earlier = definedBy.get(definition.kind);
        if (earlier !== undefined) {
          throw new Error(`Workflow "${definition.kind}" is defined twice: by ${earlier} and by ${wrapper.name}`);
        }
        definedBy.set(definition.kind, String(wrapper.name));
        this.registry.register(definition);
      }
    }
  }
}
