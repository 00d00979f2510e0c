export * from './lib/testbed';
