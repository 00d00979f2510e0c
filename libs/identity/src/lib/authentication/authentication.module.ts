import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { SecretBox } from '@tomo/secrets';
import { SettingsModule } from '@tomo/settings';
import { IdentityModule } from '../identity.module';
import { AttemptLimiter } from './attempt-limiter';
import { AuthenticationService } from './authentication.service';

/**
 * Sign-in for the API: session JWTs and rate limits. Needs Redis, the database and SecretsModule
 * (the JWT signing key is derived from the secret key, so no other secret needs storing and
 * every replica agrees on it).
 */
@Module({
  imports: [
    IdentityModule,
    // The session idle timeout and the JWT lifetime are settings (env values are their defaults).
    SettingsModule,
    JwtModule.registerAsync({
      inject: [SecretBox],
      useFactory: (box: SecretBox) => ({
        // A KeyObject, made once: given bytes, jsonwebtoken first tries (and fails) to parse them as
        // a public key on every verify, which cost more CPU than the rest of authentication.
        secret: createSecretKey(box.deriveKey('session-jwt')),
        signOptions: { algorithm: 'HS256', issuer: 'tomo' },
        verifyOptions: { algorithms: ['HS256'], issuer: 'tomo' },
      }),
    }),
  ],
  providers: [AttemptLimiter, AuthenticationService],
  exports: [IdentityModule, AuthenticationService],
})
export class AuthenticationModule {}
