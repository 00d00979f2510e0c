import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { SessionService } from './session.service';

/** Pages of the console need a signed-in user: otherwise setup (first run) or sign-in, then back. */
export const signedInGuard: CanActivateFn = async (_route, state) => {
  const session = inject(SessionService);
  const router = inject(Router);
  const signIn = router.createUrlTree(['/sign-in'], state.url === '/' ? {} : { queryParams: { returnUrl: state.url } });
  try {
    if (await session.whoAmI()) return true;
    return (await session.setupRequired()) ? router.createUrlTree(['/setup']) : signIn;
  } catch {
    return signIn; // the API is unreachable or failing: the sign-in page shows its status
  }
};

/** Sign-in and setup are for visitors: a signed-in user goes to the dashboard. */
export const signedOutGuard: CanActivateFn = async () => {
  const session = inject(SessionService);
  const router = inject(Router);
  const user = await session.whoAmI().catch(() => null);
  return user ? router.createUrlTree(['/']) : true;
};
