/** Closing Redis and the database after the work drained: a few seconds at most. */
const CLOSE_MARGIN_MS = 5_000;

/**
 * SIGTERM/SIGINT close the Nest app (its shutdown hooks stop taking work, let running work
 * finish for up to `shutdownTimeoutMs`, then close Redis and the database) and exit 0.
 * Nest's own `enableShutdownHooks` re-raises the signal after closing, which makes the exit
 * status 143 and a supervisor believe the process crashed. Should closing hang, exit 1.
 */
export function exitOnSignals(
  app: { close(): Promise<void> },
  shutdownTimeoutMs: number,
  logger: { log(message: string): void; error(message: string): void },
): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: shutting down (up to ${shutdownTimeoutMs} ms for running work)`);
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${shutdownTimeoutMs + CLOSE_MARGIN_MS} ms; exiting anyway`);
      process.exit(1);
    }, shutdownTimeoutMs + CLOSE_MARGIN_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
