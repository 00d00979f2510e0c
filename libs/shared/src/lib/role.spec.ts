import { isRole, Role, roleSatisfies, weakerRole } from './role';

describe('Role', () => {
  it.each([
    [Role.Admin, Role.Viewer, true],
    [Role.Admin, Role.Admin, true],
    [Role.Operator, Role.Viewer, true],
    [Role.Operator, Role.Admin, false],
    [Role.Viewer, Role.Operator, false],
  ])('%s satisfies %s: %s', (actual, required, expected) => {
    expect(roleSatisfies(actual, required)).toBe(expected);
  });

  it('picks the weaker role', () => {
    expect(weakerRole(Role.Admin, Role.Viewer)).toBe(Role.Viewer);
    expect(weakerRole(Role.Operator, Role.Admin)).toBe(Role.Operator);
  });

  it('recognises role strings', () => {
    expect(isRole('OPERATOR')).toBe(true);
    expect(isRole('root')).toBe(false);
  });
});
