import { safeReturnUrl } from './sign-in.page';

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
