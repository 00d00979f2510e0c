import { z } from 'zod';
import { ErrorCode, TomoException } from '@tomo/shared';
import type { ToolCall } from './mcp-tool';

export const confirmField = z
  .boolean()
  .optional()
  .describe(
    "true: go ahead (you have the user's consent for what this tool removes). Omitted: a client that supports elicitation asks the user with a form stating what is removed; any other client gets an error asking for confirm: true.",
  );

/**
 * Destructive tools call this before acting: `confirm: true` suffices; otherwise the user is asked
 * through an elicitation form that states the blast radius; a client that cannot ask gets
 * BAD_USER_INPUT naming `confirm`.
 */
export async function requireConfirmation(
  confirm: boolean | undefined,
  call: ToolCall,
  blastRadius: string,
): Promise<void> {
  if (confirm === true) return;
  const answer = await call.elicitConfirmation(`${blastRadius} This cannot be undone. Go ahead?`);
  if (answer === 'confirmed') return;
  if (answer === 'declined')
    throw new TomoException(
      ErrorCode.BadUserInput,
      `confirm: the user did not confirm (${blastRadius}); nothing was changed`,
    );
  throw new TomoException(
    ErrorCode.BadUserInput,
    `confirm: this ${blastRadius.charAt(0).toLowerCase()}${blastRadius.slice(1)} Pass confirm: true once the user agreed; nothing was changed`,
  );
}
