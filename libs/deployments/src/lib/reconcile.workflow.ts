import { JobKind } from '@tomo/shared';
import { defineWorkflow } from '@tomo/workflows';
import { ONE_ATTEMPT } from './deployment-jobs';
import type { DeploymentReconciler } from './deployment-reconciler';

/** `maintenance.reconcile-deployments`: one pass of DeploymentReconciler (the next scheduled run is the retry). */
export function reconcileWorkflow(reconciler: DeploymentReconciler) {
  const workflow = defineWorkflow({ kind: JobKind.MaintenanceReconcileDeployments });
  workflow.step('reconcile', {
    retry: ONE_ATTEMPT,
    timeoutMs: 20 * 60_000,
    run: (ctx) => reconciler.reconcile(ctx),
  });
  return workflow;
}
