import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  input,
  resource,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Title } from '@angular/platform-browser';
import { Router, RouterLink } from '@angular/router';
import { SessionService } from '../../core/auth/session.service';
import { Api } from '../../core/graphql/api';
import { apiError } from '../../core/graphql/api-error';
import {
  ContainerLogsDocument,
  DeploymentDocument,
  DeploymentUpdatedDocument,
  RestartAppDocument,
  StartAppDocument,
  StopAppDocument,
  UninstallAppDocument,
  UpdateAppDocument,
} from '../../core/graphql/generated/graphql';
import { TITLE_SUFFIX } from '../../navigation';
import { confirmAction } from '../../shared/confirm-dialog';
import { Icon } from '../../shared/icon/icon';
import { LoadState } from '../../shared/load-state';
import { StatusChip } from '../../shared/status-chip';
import { TimeAgo } from '../../shared/time';
import { livePatch } from '../../shared/live-patch';
import { Toasts } from '../../shared/toasts';

@Component({
  selector: 'tomo-deployment-page',
  imports: [
    FormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    RouterLink,
    Icon,
    LoadState,
    StatusChip,
    TimeAgo,
  ],
  templateUrl: './deployment.page.html',
  styleUrls: ['../../shared/page.scss', './deployment.page.scss'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DeploymentPage {
  /** Route parameter. */
  readonly id = input.required<string>();

  protected readonly session = inject(SessionService);
  private readonly api = inject(Api);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);
  private readonly toasts = inject(Toasts);
  protected readonly busy = signal(false);
  protected readonly data = resource({
    params: () => ({ id: this.id() }),
    loader: ({ params }) => this.api.query(DeploymentDocument, params).then((d) => d.deployment),
  });
  protected readonly deployment = computed(() => (this.data.hasValue() ? this.data.value() : undefined));
  protected readonly message = (error: unknown) => apiError(error).message;

  protected imageTag = '';
  protected readonly tail = signal(200);
  protected readonly logs = signal<string | undefined>(undefined);
  protected readonly logsError = signal<string | undefined>(undefined);
  protected readonly logsLoading = signal(false);
  protected readonly following = signal(false);
  private followTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    const title = inject(Title);
    effect(() => {
      const deployment = this.deployment();
      if (deployment) title.setTitle(deployment.appId + TITLE_SUFFIX);
    });
    const destroyRef = inject(DestroyRef);
    const patch = livePatch(this.data);
    this.api
      .subscribe(DeploymentUpdatedDocument)
      .pipe(takeUntilDestroyed(destroyRef))
      .subscribe(({ deploymentUpdated }) => {
        if (deploymentUpdated.id === this.id()) patch((current) => ({ ...current, ...deploymentUpdated }));
      });
    destroyRef.onDestroy(() => clearTimeout(this.followTimer));
  }

  private async run(work: () => Promise<{ id: string }>): Promise<void> {
    this.busy.set(true);
    try {
      const job = await work();
      await this.router.navigate(['/jobs', job.id]);
    } catch (error) {
      this.toasts.error(apiError(error).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected start(): Promise<void> {
    return this.run(() => this.api.mutate(StartAppDocument, { deploymentId: this.id() }).then((d) => d.startApp));
  }

  protected stop(): Promise<void> {
    return this.run(() => this.api.mutate(StopAppDocument, { deploymentId: this.id() }).then((d) => d.stopApp));
  }

  protected restart(): Promise<void> {
    return this.run(() => this.api.mutate(RestartAppDocument, { deploymentId: this.id() }).then((d) => d.restartApp));
  }

  protected update(): Promise<void> {
    const imageTag = this.imageTag.trim() || null;
    return this.run(() =>
      this.api.mutate(UpdateAppDocument, { input: { deploymentId: this.id(), imageTag } }).then((d) => d.updateApp),
    );
  }

  protected async uninstall(): Promise<void> {
    const deployment = this.deployment();
    if (!deployment) return;
    const where = deployment.server?.name ?? 'its server';
    const confirmed = await confirmAction(this.dialog, {
      title: `Uninstall ${deployment.appId}?`,
      message: `The container ${deployment.containerName} is removed from ${where}.`,
      confirm: 'Uninstall',
      option: 'Also remove volumes (the app’s data)',
    });
    if (!confirmed) return;
    await this.run(() =>
      this.api
        .mutate(UninstallAppDocument, { deploymentId: this.id(), removeVolumes: confirmed.option })
        .then((d) => d.uninstallApp),
    );
  }

  protected async loadLogs(): Promise<void> {
    this.logsLoading.set(true);
    this.logsError.set(undefined);
    try {
      const { containerLogs } = await this.api.query(ContainerLogsDocument, {
        deploymentId: this.id(),
        tail: Number(this.tail()),
      });
      this.logs.set(containerLogs);
    } catch (error) {
      this.logsError.set(apiError(error).message);
      this.following.set(false);
    } finally {
      this.logsLoading.set(false);
    }
  }

  /**
   * Follow re-reads the tail after each answer (the API reads logs with a short job over SSH, not
   * as a stream). A timer chained on answers, not an interval: a background tab whose timers are
   * throttled catches up on its next tick instead of piling requests, and the page never freezes.
   */
  protected toggleFollow(): void {
    this.following.update((on) => !on);
    clearTimeout(this.followTimer);
    if (this.following()) void this.followLoop();
  }

  private async followLoop(): Promise<void> {
    await this.loadLogs();
    if (this.following()) this.followTimer = setTimeout(() => void this.followLoop(), 3_000);
  }

  protected download(): void {
    const text = this.logs();
    if (text === undefined) return;
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${this.deployment()?.containerName ?? 'container'}.log`;
    link.click();
    URL.revokeObjectURL(url);
  }
}
