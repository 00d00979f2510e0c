import { lockOutMessage, safeReturnUrl } from './sign-in.page';

describe('safeReturnUrl', () => {
  it('returns to a page of the console', () => {
    expect(safeReturnUrl('/servers/42?tab=facts')).toBe('/servers/42?tab=facts');
  });

  it('never leaves the console: other hosts and missing values go home', () => {
    expect(safeReturnUrl('//evil.example/')).toBe('/');
    expect(safeReturnUrl('https://evil.example/')).toBe('/');
    expect(safeReturnUrl(undefined)).toBe('/');
  });
});

describe('lockOutMessage', () => {
  it('says when to try again in whole minutes, rounded up', () => {
    expect(lockOutMessage(900, 'ignored')).toBe('Too many attempts — try again in 15 minutes.');
    expect(lockOutMessage(61, 'ignored')).toBe('Too many attempts — try again in 2 minutes.');
    expect(lockOutMessage(30, 'ignored')).toBe('Too many attempts — try again in 1 minute.');
  });

  it("falls back to the API's words when it gave no time", () => {
    expect(lockOutMessage(undefined, 'Too many attempts.')).toBe('Signing in is locked for now: Too many attempts.');
  });
});
