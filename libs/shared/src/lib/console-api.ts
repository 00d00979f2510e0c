/**
 * What the console and the API agree on about their HTTP surface. Browser-safe: the console
 * imports these too, so a renamed cookie, header or path cannot leave the two out of step.
 */

/** The console's session cookie (httpOnly, SameSite=Strict, Secure over HTTPS), set by login/setupAdmin. */
export const SESSION_COOKIE = 'tomo_session';

/**
 * Header a cookie-authenticated HTTP request must carry (any non-empty value): a cross-site form
 * cannot set it. graphql-ws connections cannot send headers; their cookie counts only when the
 * upgrade request's `Origin` is the API's own.
 */
export const CSRF_HEADER = 'x-tomo-csrf';

/** GraphQL over HTTP and graphql-ws share this path. */
export const GRAPHQL_PATH = '/graphql';

/** App icons, served by the API from its own copy (the console loads nothing from other hosts). */
export const APP_ICONS_PATH = '/icons';

/** Where the icon of a marketplace app (`<repository>/<app>`) is served: `App.iconUrl`. */
export function appIconPath(appId: string): string {
  return `${APP_ICONS_PATH}/${appId.split('/').map(encodeURIComponent).join('/')}`;
}
