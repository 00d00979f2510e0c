import { createTransport } from 'nodemailer';
import { SmtpSecurity } from '@tomo/shared';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature';

/** What a webhook receives and an email says (CONTRACT.md): ids and names, never secrets. */
export interface NotificationPayload {
  event: string;
  at: string;
  message: string;
  job?: { id: string; kind?: string; step?: string };
  server?: { id: string; name?: string };
  deployment?: { id: string; name?: string };
}

/** A delivery that failed; `transient` says whether another attempt may succeed. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';

  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

const WEBHOOK_TIMEOUT_MS = 10_000;

/** POSTs the signed JSON body; 2xx is success, 408/429/5xx and network errors are worth a retry. */
export async function sendWebhook(
  url: string,
  secret: string,
  payload: NotificationPayload,
  signal: AbortSignal,
): Promise<{ status: number }> {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tomo-Webhook/1',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new DeliveryError(`Webhook ${new URL(url).host} unreachable: ${(error as Error).message}`, true);
  }
  // The body is not ours to log (it may echo anything); drain it so the socket is reused.
  await response.body?.cancel().catch(() => undefined);
  if (response.ok) return { status: response.status };
  const transient = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new DeliveryError(`Webhook ${new URL(url).host} answered HTTP ${response.status}`, transient);
}

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  username: string | null;
  password: string | null;
  from: string;
  to: string;
}

/** One email over SMTP; a 5xx reply is permanent, anything else (connection, 4xx) is retried. */
export async function sendEmail(
  smtp: SmtpSettings,
  payload: NotificationPayload,
  signal: AbortSignal,
): Promise<{ messageId: string }> {
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === SmtpSecurity.Tls,
    requireTLS: smtp.security === SmtpSecurity.StartTls,
    ignoreTLS: smtp.security === SmtpSecurity.None,
    auth: smtp.username ? { user: smtp.username, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  const abort = () => transport.close();
  signal.addEventListener('abort', abort, { once: true });
  try {
    const info = await transport.sendMail({
      from: smtp.from,
      to: smtp.to,
      subject: `[Tomo] ${payload.event}: ${payload.message}`.slice(0, 200),
      text: `${payload.message}\n\n${JSON.stringify(payload, null, 2)}\n`,
    });
    return { messageId: String(info.messageId) };
  } catch (error) {
    if (signal.aborted) throw error;
    const code = (error as { responseCode?: number }).responseCode;
    throw new DeliveryError(
      `SMTP ${smtp.host}:${smtp.port}: ${(error as Error).message}`,
      !(code !== undefined && code >= 500),
    );
  } finally {
    signal.removeEventListener('abort', abort);
    transport.close();
  }
}
