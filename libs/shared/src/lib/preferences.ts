/** The console's colour scheme. Named in the GraphQL schema: never rename a value. */
export enum Theme {
  /** Follow the operating system (prefers-color-scheme). */
  System = 'SYSTEM',
  Light = 'LIGHT',
  Dark = 'DARK',
}

/** How the console shows times of day. Named in the GraphQL schema: never rename a value. */
export enum TimeFormat {
  /** The browser's locale decides. */
  System = 'SYSTEM',
  /** 14:05 */
  H24 = 'H24',
  /** 2:05 PM */
  H12 = 'H12',
}
