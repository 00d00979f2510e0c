export * from './lib/app-definition';
export * from './lib/app-definition-parser';
export * from './lib/built-in-catalog';
export * from './lib/entities';
export * from './lib/git-client';
export * from './lib/marketplace-repo-reader';
export * from './lib/marketplace.module';
export * from './lib/marketplace.service';
