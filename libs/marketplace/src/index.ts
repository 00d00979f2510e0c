export * from './lib/app-definition';
export * from './lib/app-definition-parser';
