/** One dependency the API needs to be ready (database, Redis, …), as `/health/ready` reports it. */
export interface ReadinessCheck {
  readonly name: string;
  readonly label: string;
  readonly up: boolean;
  /** Why the dependency is down, when the API says. */
  readonly message?: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

const LABELS: Readonly<Record<string, string>> = { database: 'Database', redis: 'Redis' };

function labelOf(name: string): string {
  return LABELS[name] ?? name.charAt(0).toUpperCase() + name.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the body of `GET /health/ready` (a @nestjs/terminus health check result). The API answers
 * 200 when ready and 503 with the same shape when not, so both bodies come through here.
 * Returns undefined for a body that is not a health check result (e.g. a proxy's error page).
 */
export function parseReadiness(body: unknown): Readiness | undefined {
  if (!isRecord(body) || typeof body['status'] !== 'string' || !isRecord(body['details'])) {
    return undefined;
  }
  const checks = Object.entries(body['details']).map(([name, detail]): ReadinessCheck => {
    const up = isRecord(detail) && detail['status'] === 'up';
    const message = isRecord(detail) && typeof detail['message'] === 'string' ? detail['message'] : undefined;
    return { name, label: labelOf(name), up, ...(message === undefined ? {} : { message }) };
  });
  return { ready: body['status'] === 'ok' && checks.every((check) => check.up), checks };
}
