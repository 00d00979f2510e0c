import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { AuthenticationService } from '@tomo/identity';
import { Role } from '@tomo/shared';
import { WORKFLOW_QUEUE, type WorkflowJobData } from '@tomo/workflows';
import { presentedCredential } from '../auth/request-context';

export const QUEUE_INSPECTOR_PATH = '/admin/queues';

/**
 * bull-board at /admin/queues, for admins only (the same session cookie or bearer token as the
 * API) and read-only twice over: bull-board's read-only mode hides and refuses its actions, and
 * anything but GET/HEAD is refused before it. Retrying, removing or promoting a BullMQ job
 * behind the engine's back would bypass its state in the database and the audit log: use
 * cancelJob / retryJob instead.
 */
@Injectable()
export class QueueInspector implements OnModuleInit {
  constructor(
    private readonly http: HttpAdapterHost,
    private readonly authentication: AuthenticationService,
    @Inject(WORKFLOW_QUEUE) private readonly queue: Queue<WorkflowJobData>,
  ) {}

  onModuleInit(): void {
    const board = new ExpressAdapter();
    board.setBasePath(QUEUE_INSPECTOR_PATH);
    // @bull-board/express 9.10.1 pins its own copy of @bull-board/api (9.10.1, ours is 9.10.2):
    // the same interface under two declarations, hence the cast.
    const serverAdapter = board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'];
    createBullBoard({
      queues: [new BullMQAdapter(this.queue, { readOnlyMode: true })],
      serverAdapter,
    });
    const app = this.http.httpAdapter.getInstance<{
      use(path: string, ...handlers: unknown[]): void;
    }>();
    app.use(
      QUEUE_INSPECTOR_PATH,
      (req: Request, res: Response, next: NextFunction) => void this.admit(req, res, next),
      board.getRouter(),
    );
  }

  private async admit(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).json({
        error: 'The queue inspector is read-only: use cancelJob or retryJob',
      });
      return;
    }
    const presented = presentedCredential({ req, res });
    const principal = presented ? await this.authentication.authenticate(presented.credential).catch(() => null) : null;
    if (!principal) {
      res.status(401).json({ error: 'Sign in first' });
      return;
    }
    if (principal.role !== Role.Admin) {
      res.status(403).json({
        error: `The queue inspector requires the ADMIN role (you have ${principal.role})`,
      });
      return;
    }
    next();
  }
}
