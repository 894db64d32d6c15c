import type { CommandRegistration } from '../context.js';
import { registerCopy } from './copy.js';
import { registerDigest } from './digest.js';
import { registerInspect } from './inspect.js';

/** Every command vouch has, in the order `vouch --help` lists them. */
export const commands: CommandRegistration[] = [registerDigest, registerCopy, registerInspect];
