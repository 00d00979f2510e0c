import { CreateJobs1763900000000 } from './1763900000000-create-jobs';
import { CreateIdentity1764000000000 } from './1764000000000-create-identity';
import { CreateMarketplace1764300000000 } from './1764300000000-create-marketplace';
import { CreateSchedules1764600000000 } from './1764600000000-create-schedules';
import { CreateServers1764700000000 } from './1764700000000-create-servers';
import { CreateDeployments1764850000000 } from './1764850000000-create-deployments';
import { ApiTokenParent1765000000000 } from './1765000000000-api-token-parent';
import { MarketplaceRepoCredentials1765010000000 } from './1765010000000-marketplace-repo-credentials';
import { FenceJobRuns1765050000000 } from './1765050000000-fence-job-runs';
import { CreateSettings1765100000000 } from './1765100000000-create-settings';
import { CreateAppIcons1765200000000 } from './1765200000000-create-app-icons';
import { CreateNotifications1765300000000 } from './1765300000000-create-notifications';
import { ServerPruneImages1765500000000 } from './1765500000000-server-prune-images';
import { JobQueryIndexes1765600000000 } from './1765600000000-job-query-indexes';

/** Every migration, oldest first. New migrations are appended; applied ones never change. */
export const MIGRATIONS = [
  CreateJobs1763900000000,
  CreateIdentity1764000000000,
  CreateMarketplace1764300000000,
  CreateSchedules1764600000000,
  CreateServers1764700000000,
  CreateDeployments1764850000000,
  ApiTokenParent1765000000000,
  MarketplaceRepoCredentials1765010000000,
  FenceJobRuns1765050000000,
  CreateSettings1765100000000,
  CreateAppIcons1765200000000,
  CreateNotifications1765300000000,
  ServerPruneImages1765500000000,
  JobQueryIndexes1765600000000,
];
