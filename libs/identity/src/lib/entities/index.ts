import { ApiTokenEntity } from './api-token.entity';
import { AuditLogEntity } from './audit-log.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';

export { ApiTokenEntity, AuditLogEntity, SessionEntity, UserEntity };
export type { AuditActorType, AuditOutcome } from './audit-log.entity';

export const IDENTITY_ENTITIES = [UserEntity, SessionEntity, ApiTokenEntity, AuditLogEntity];
