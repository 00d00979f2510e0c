import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { SessionService } from './session.service';

/** Pages of the console need a signed-in user: otherwise setup (first run) or sign-in, then back. */
export const signedInGuard: CanActivateFn = async (_route, state) => {
  const session = inject(SessionService);
  const router = inject(Router);
  if (await session.whoAmI()) return true;
  if (await session.setupRequired()) return router.createUrlTree(['/setup']);
  return router.createUrlTree(['/sign-in'], state.url === '/' ? {} : { queryParams: { returnUrl: state.url } });
};

/** Sign-in and setup are for visitors: a signed-in user goes to the dashboard. */
export const signedOutGuard: CanActivateFn = async () => {
  const session = inject(SessionService);
  return (await session.whoAmI()) ? inject(Router).createUrlTree(['/']) : true;
};
