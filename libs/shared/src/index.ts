export { APP_ICONS_PATH, appIconPath, CSRF_HEADER, GRAPHQL_PATH, SESSION_COOKIE } from './lib/console-api';
export { ErrorCode } from './lib/error-code';
export {
  errorChain,
  isDependencyUnavailable,
  isTransientCode,
  isTransientError,
  meansServerOffline,
} from './lib/error-classification';
export { JobKind } from './lib/job-kind';
export { FINISHED_JOB_STATUSES, isFinishedJobStatus, JobStatus, StepStatus } from './lib/job-status';
export { NotificationChannelKind, NotificationEvent, SmtpSecurity } from './lib/notification-event';
export { isRole, Role, roleSatisfies, weakerRole } from './lib/role';
export { notFound, TomoException } from './lib/tomo-exception';
export { roleToStart } from './lib/job-kind-role';
export { isSecretEnvName } from './lib/secret-name';
export { PullPolicy } from './lib/pull-policy';
export { Theme, TimeFormat } from './lib/preferences';
