/** Base class for det errors meant for users: the message alone must say what to fix. */
export class DetError extends Error {
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
  }
}

/** A config asked for a `type` that no registry entry answers to. */
export class UnknownTypeError extends DetError {}

/** Two components claim one name in one registry. */
export class RegistryCollisionError extends DetError {}
