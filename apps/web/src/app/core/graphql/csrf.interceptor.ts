import type { HttpInterceptorFn } from '@angular/common/http';
import { CSRF_HEADER } from '@tomo/shared';

/**
 * The API refuses cookie-authenticated requests without this header: a cross-site form cannot
 * add it, a page of our own origin can (libs/identity README, "Where credentials go").
 */
export const csrfInterceptor: HttpInterceptorFn = (request, next) =>
  next(request.clone({ setHeaders: { [CSRF_HEADER]: '1' } }));
