import type { CommandRegistration } from '../context.js';

/** Every command vouch has, in the order `vouch --help` lists them. */
export const commands: CommandRegistration[] = [];
