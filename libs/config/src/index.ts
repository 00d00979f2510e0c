export { type ApiConfig, type CommonConfig, type WorkerConfig } from './lib/config.schema';
export { TOMO_CONFIG, TomoConfigModule } from './lib/config.module';
export {
  ConfigError,
  loadApiConfig,
  loadCliConfig,
  loadConfigOrExit,
  loadMcpStdioConfig,
  loadWorkerConfig,
} from './lib/load-config';
export { pinoOptions } from './lib/logger-options';
export { childEnvironment } from './lib/child-environment';
export { exitOnSignals } from './lib/graceful-shutdown';
