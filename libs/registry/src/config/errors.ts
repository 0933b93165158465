import { DetError } from '../registry/errors';

/** A config file could not be found, parsed, merged or validated; the message names the file. */
export class ConfigError extends DetError {}
