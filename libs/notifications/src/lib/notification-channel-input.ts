import { ErrorCode, NotificationChannelKind, NotificationEvent, SmtpSecurity, TomoException } from '@tomo/shared';

/** What addNotificationChannel takes (CONTRACT.md); fields of the other kind must be absent. */
export interface NotificationChannelInput {
  name: string;
  kind: NotificationChannelKind;
  events: NotificationEvent[];
  enabled?: boolean | null;
  /** WEBHOOK: where to POST. */
  url?: string | null;
  /** EMAIL: comma-separated recipients. */
  emailTo?: string | null;
  emailFrom?: string | null;
  smtpHost?: string | null;
  smtpPort?: number | null;
  smtpSecurity?: SmtpSecurity | null;
  smtpUsername?: string | null;
  smtpPassword?: string | null;
}

/** updateNotificationChannel: only the given (non-null) fields change; `kind` cannot. */
export type NotificationChannelPatch = {
  [K in Exclude<keyof NotificationChannelInput, 'kind'>]?: NotificationChannelInput[K] | null;
};

const badInput = (field: string, problem: string) => new TomoException(ErrorCode.BadUserInput, `${field} ${problem}`);
// Deliberately simple: one @, no spaces, a dot in the domain. The SMTP server has the last word.
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

export function validateChannelName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) throw badInput('name', 'must be 1-100 characters');
  return trimmed;
}

export function validateEvents(events: readonly string[]): NotificationEvent[] {
  const known = Object.values(NotificationEvent) as string[];
  const unknown = events.find((event) => !known.includes(event));
  if (unknown !== undefined) throw badInput('events', `has an unknown event "${unknown}"`);
  if (events.length === 0) throw badInput('events', 'must name at least one event');
  return [...new Set(events)] as NotificationEvent[];
}

export function validateWebhookUrl(url: string | null | undefined): string {
  if (!url) throw badInput('url', 'is required for a WEBHOOK channel');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badInput('url', 'must be an http:// or https:// URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw badInput('url', 'must be an http:// or https:// URL');
  if (parsed.username || parsed.password)
    throw badInput('url', 'must not carry credentials (the signature authenticates Tomo)');
  if (url.length > 2048) throw badInput('url', 'must be at most 2048 characters');
  return parsed.toString();
}

export function validateRecipients(emailTo: string | null | undefined): string {
  const list = (emailTo ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  if (list.length === 0) throw badInput('emailTo', 'is required for an EMAIL channel');
  const bad = list.find((address) => !EMAIL.test(address));
  if (bad) throw badInput('emailTo', `has an invalid address "${bad}"`);
  return list.join(', ');
}

export function validateSender(emailFrom: string | null | undefined): string {
  if (!emailFrom || !EMAIL.test(emailFrom.trim())) throw badInput('emailFrom', 'must be an email address');
  return emailFrom.trim();
}

export function validateSmtpHost(host: string | null | undefined): string {
  const trimmed = host?.trim() ?? '';
  if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(trimmed)) throw badInput('smtpHost', 'must be a host name or IP address');
  return trimmed;
}

export function validateSmtpPort(port: number | null | undefined, security: SmtpSecurity): number {
  const value = port ?? (security === SmtpSecurity.Tls ? 465 : 587);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw badInput('smtpPort', 'must be between 1 and 65535');
  return value;
}

/** Fields that belong to the other kind are refused rather than silently stored. */
export function assertNoForeignFields(kind: NotificationChannelKind, input: NotificationChannelPatch): void {
  const foreign: (keyof NotificationChannelPatch)[] =
    kind === NotificationChannelKind.Webhook
      ? ['emailTo', 'emailFrom', 'smtpHost', 'smtpPort', 'smtpSecurity', 'smtpUsername', 'smtpPassword']
      : ['url'];
  const given = foreign.find((field) => input[field] !== undefined && input[field] !== null);
  if (given) throw badInput(given, `does not apply to a ${kind} channel`);
}
