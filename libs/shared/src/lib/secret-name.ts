const SECRET_NAME = /PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

/**
 * Whether a named value (an environment variable such as `WEBPASSWORD` or `API_KEY`) is a
 * secret. The marketplace marks app variables secret with it, and the audit log redacts
 * `{name, value}` pairs with it, so both agree on which values never show.
 */
export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name);
}
