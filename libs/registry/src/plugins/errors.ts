import { DetError } from '../registry/errors';

/** A plugin could not be found, has the wrong shape or version, or failed in `register`. */
export class PluginError extends DetError {
  constructor(message: string, details: { spec: string; name?: string; cause?: unknown; [k: string]: unknown }) {
    super(message, details);
    if (details.cause !== undefined) this.cause = details.cause;
  }
}
