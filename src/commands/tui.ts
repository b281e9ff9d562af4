import type { Command } from './command.js';
import { LcError } from '../../engine/errors.js';

// Placeholder until this command is implemented.
export const command: Command = {
  name: 'tui',
  summary: '(not implemented yet)',
  usage: 'lc tui',
  run: async () => {
    throw new LcError('NOT_IMPLEMENTED', 'lc tui is not implemented yet');
  },
};
