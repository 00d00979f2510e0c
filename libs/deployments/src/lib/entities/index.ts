import { DeploymentEntity } from './deployment.entity';

export { DeploymentEntity, DeploymentStatus } from './deployment.entity';

export const DEPLOYMENT_ENTITIES = [DeploymentEntity];
