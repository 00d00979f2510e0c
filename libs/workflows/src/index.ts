// What other libraries and the apps may use of the workflow engine; the rest is its own.

// Defining workflows
export {
  type CompensationContext,
  defineWorkflow,
  type JobInputOf,
  type JobInputs,
  type OutputOf,
  type RetryPolicy,
  type StepContext,
  type StepDefinition,
  type StepHandle,
  type StepOptions,
  type StepOutputs,
  type StepSkip,
  type Workflow,
  type WorkflowContext,
  type WorkflowDefinition,
  type WorkflowOptions,
  retryPolicyOf,
} from './lib/workflow-definition';
export { DefinesWorkflows, type WorkflowSource } from './lib/workflow-discovery';
export { type JobFinished, type StepFinished, type WorkflowObserver, WorkflowRegistry } from './lib/workflow-registry';
export { describeError, isTransientError, type JobErrorInfo } from './lib/step-errors';

// Modules
export { WorkflowsModule, WorkflowWorkerModule } from './lib/workflows.module';
export { type WorkflowWorkerOptions } from './lib/workflow-worker';

// Jobs: starting, reading and following them
export { encodeJobCursor, JobsService } from './lib/jobs.service';
export { type JobEventRecord, type JobRow, JobStore, type StepRow } from './lib/job-store';
export { JobEventStream } from './lib/job-event-stream';
export { JobEventType } from './lib/job-event-type';
export { JobEntity } from './lib/entities';
export { closeQueue, createQueue, WORKFLOW_QUEUE, type WorkflowJobData } from './lib/workflow-queue';
