/** When the image is pulled before a container is created. Named in the GraphQL schema: never rename a value. */
export enum PullPolicy {
  /** Pull every time (a moved tag is picked up). */
  Always = 'ALWAYS',
  /** Pull only when the engine does not have the image (default). */
  IfMissing = 'IF_MISSING',
  /** Never pull: the image must already be on the server. */
  Never = 'NEVER',
}
