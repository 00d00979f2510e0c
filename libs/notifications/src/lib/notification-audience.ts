import { NotificationEvent, Role, roleSatisfies } from '@tomo/shared';

/**
 * The weakest role that sees an event in-app. Events that only an admin can act on (accept a
 * host key, fix a schedule's settings) go to admins; the rest concern what every role can read.
 */
export const NOTIFICATION_AUDIENCE: Record<NotificationEvent, Role> = {
  [NotificationEvent.JobFailed]: Role.Viewer,
  [NotificationEvent.ServerOffline]: Role.Viewer,
  [NotificationEvent.ServerOnline]: Role.Viewer,
  [NotificationEvent.HostKeyMismatch]: Role.Admin,
  [NotificationEvent.UpdateRolledBack]: Role.Viewer,
  [NotificationEvent.ScheduleFailing]: Role.Admin,
  [NotificationEvent.AppCrashed]: Role.Viewer,
  [NotificationEvent.DiskLow]: Role.Viewer,
};

/** The `minRole` values of the notifications a caller with `role` sees. */
export function visibleMinRoles(role: Role): Role[] {
  return Object.values(Role).filter((minRole) => roleSatisfies(role, minRole));
}
