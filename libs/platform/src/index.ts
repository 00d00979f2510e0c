export { PLATFORM_SCHEDULES } from './lib/platform-schedules';
