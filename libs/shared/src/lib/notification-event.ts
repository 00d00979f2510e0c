/** What a notification is about (CONTRACT.md, Notifications). Stored and public: add, never rename. */
export enum NotificationEvent {
  /** A job ended FAILED (the message names the step). */
  JobFailed = 'JOB_FAILED',
  ServerOffline = 'SERVER_OFFLINE',
  /** A server that was OFFLINE answers again. */
  ServerOnline = 'SERVER_ONLINE',
  /** A server presented another host key than the pinned one. */
  HostKeyMismatch = 'HOST_KEY_MISMATCH',
  /** An update's new container did not become healthy; the old one was kept. */
  UpdateRolledBack = 'UPDATE_ROLLED_BACK',
  /** A schedule's runs failed several times in a row. */
  ScheduleFailing = 'SCHEDULE_FAILING',
  /** Reconciliation found a deployed app's container exited or restarting. */
  AppCrashed = 'APP_CRASHED',
  /** Metrics collection found a server's disk above the threshold. */
  DiskLow = 'DISK_LOW',
}

export enum NotificationChannelKind {
  Webhook = 'WEBHOOK',
  Email = 'EMAIL',
}

/** How an email channel talks TLS to its SMTP server. */
export enum SmtpSecurity {
  /** TLS from the first byte (usually port 465). */
  Tls = 'TLS',
  /** Plain connection upgraded with STARTTLS, refused if the server does not offer it (usually 587). */
  StartTls = 'STARTTLS',
  /** No TLS at all: only for a relay on a trusted network. */
  None = 'NONE',
}
