import { ErrorCode, JobKind, TomoException } from '@tomo/shared';
import { defineWorkflow } from '@tomo/workflows';
import type { ServerCommands } from './server-commands';
import { ServerStatus } from './server-status';
import type { ServersService } from './servers.service';

export interface PruneImagesInput {
  /** Only this server (it must have opted in); default every server that opted in. */
  serverId?: string;
}

export interface PrunedServer {
  server: string;
  /** Image ids docker reported as deleted. */
  deletedImages: number;
  /** Docker's own figure, e.g. `12.5MB`. */
  reclaimed: string;
}

declare module '@tomo/workflows' {
  interface JobInputs {
    [JobKind.MaintenancePruneImages]: PruneImagesInput;
  }
}

/** For the platform schedules: once a day. Admins change the interval through the schedules settings. */
export const PRUNE_IMAGES_SCHEDULE = {
  name: 'prune-images',
  kind: JobKind.MaintenancePruneImages,
  everySeconds: 24 * 60 * 60,
  description:
    'Removes dangling Docker images (untagged, used by no container) on the servers that opted in (pruneImages).',
  input: (): PruneImagesInput => ({}),
} as const;

const SERVER_TIMEOUT_MS = 5 * 60_000;
/** Servers that would only fail again (and count against fail2ban-style lockouts). */
const SKIPPED_STATUSES = new Set([ServerStatus.AuthFailed, ServerStatus.HostKeyMismatch]);

/**
 * `docker image prune --force` prints `deleted: sha256:…` per image removed and a
 * `Total reclaimed space: 1.2MB` line.
 */
export function parseImagePrune(stdout: string): Omit<PrunedServer, 'server'> {
  const deletedImages = stdout.split('\n').filter((line) => line.startsWith('deleted: ')).length;
  const reclaimed = /Total reclaimed space:\s*(\S+)/.exec(stdout)?.[1] ?? '0B';
  return { deletedImages, reclaimed };
}

export interface PruneImagesDeps {
  servers: ServersService;
  /** The worker's shell (a getter: the API registers the same definition without one). */
  shell: () => ServerCommands;
}

/**
 * Dangling images only: untagged layers that updates leave behind. Tagged images are never
 * removed, not even unused ones, because an install that has pulled its image but not yet
 * created its container would lose it; Docker itself keeps any image a container uses.
 * One server after another (no hurry; each prune is one command), failures logged and the
 * rest carried on; the run fails only when no opted-in server could be pruned.
 */
export function pruneImagesWorkflow({ servers, shell }: PruneImagesDeps) {
  const workflow = defineWorkflow({ kind: JobKind.MaintenancePruneImages });
  workflow.step('prune', {
    // The next scheduled run is the retry.
    retry: { maxAttempts: 1 },
    timeoutMs: 30 * 60_000,
    run: async (ctx) => {
      const only = ctx.input.serverId ?? ctx.serverId;
      const optedIn = (only ? [await servers.get(only)] : await servers.list()).filter((s) => s.pruneImages);
      if (only && optedIn.length === 0)
        throw new TomoException(
          ErrorCode.BadUserInput,
          'This server has not opted in to image pruning (pruneImages is false)',
        );
      const targets = optedIn.filter((s) => !SKIPPED_STATUSES.has(s.status));
      if (targets.length === 0) ctx.log('No server has opted in to image pruning (pruneImages)');
      const pruned: PrunedServer[] = [];
      const failed: string[] = [];
      for (const server of targets) {
        ctx.signal.throwIfAborted();
        try {
          const result = await shell().run(server.id, ['docker', 'image', 'prune', '--force'], {
            signal: ctx.signal,
            timeoutMs: SERVER_TIMEOUT_MS,
          });
          if (result.exitCode !== 0)
            throw new Error(`docker image prune exited ${result.exitCode}: ${result.stderr.trim().slice(0, 200)}`);
          const figures = parseImagePrune(result.stdout);
          pruned.push({ server: server.name, ...figures });
          ctx.log(`${server.name}: ${figures.deletedImages} dangling image(s) removed, ${figures.reclaimed} reclaimed`);
        } catch (error) {
          ctx.signal.throwIfAborted();
          failed.push(server.name);
          ctx.log(`${server.name}: not pruned: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (targets.length > 0 && pruned.length === 0)
        throw new TomoException(ErrorCode.ServerUnreachable, `No server could be pruned (${failed.join(', ')})`);
      return { pruned, failed };
    },
  });
  return workflow;
}
