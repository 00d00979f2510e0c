import { Role } from '@tomo/shared';
import { CALLERS, expectedOutcome, observedOutcome } from './access-outcome';

// Pure logic, but the judge of `npm run chaos -- authz`: were it to allow everything, the matrix
// would pass whatever the API does.
describe('the authorization matrix judge', () => {
  it('expects every caller to pass a public operation', () => {
    expect(CALLERS.map((caller) => expectedOutcome({ public: true }, caller))).toEqual(CALLERS.map(() => 'allowed'));
  });

  it('refuses an operation without a declaration to everyone', () => {
    expect(CALLERS.map((caller) => expectedOutcome(undefined, caller))).toEqual(CALLERS.map(() => 'FORBIDDEN'));
  });

  it.each([
    [Role.Viewer, ['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'allowed', 'allowed', 'allowed']],
    [Role.Operator, ['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'FORBIDDEN', 'allowed', 'allowed']],
    [Role.Admin, ['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'allowed']],
  ])('a %s operation: none, expired, revoked, VIEWER, OPERATOR, ADMIN', (role, expected) => {
    expect(CALLERS.map((caller) => expectedOutcome({ role }, caller))).toEqual(expected);
  });

  it('reads a refusal from the error codes, anything else as past the access check', () => {
    expect(observedOutcome([])).toBe('allowed');
    expect(observedOutcome(['NOT_FOUND'])).toBe('allowed');
    expect(observedOutcome(['BAD_USER_INPUT'])).toBe('allowed');
    expect(observedOutcome(['FORBIDDEN'])).toBe('FORBIDDEN');
    expect(observedOutcome(['UNAUTHENTICATED'])).toBe('UNAUTHENTICATED');
    expect(observedOutcome(['BAD_USER_INPUT', 'UNAUTHENTICATED'])).toBe('UNAUTHENTICATED');
  });

  it('never counts a call refused before the access check as an outcome of it', () => {
    for (const codes of [
      ['GRAPHQL_VALIDATION_FAILED'],
      ['GRAPHQL_PARSE_FAILED'],
      ['HTTP_400'],
      ['HTTP_413', 'UNAUTHENTICATED'],
    ]) {
      const observed = observedOutcome(codes);
      expect(observed).toBe('NOT_REACHED');
      expect(CALLERS.map((caller) => expectedOutcome({ public: true }, caller))).not.toContain(observed);
    }
  });
});
