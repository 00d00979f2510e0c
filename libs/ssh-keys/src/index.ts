export { describePrivateKey, parsePrivateKey, type PrivateKeyInfo } from './lib/private-key';
