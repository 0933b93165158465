import { DetError, HOOKS } from '@det/registry';
import { Hook, type BaseRunner } from '@det/runner';

/**
 * MMDetection's NumClassCheckHook: the head's class count must equal the dataset's
 * `classes.length`. Models expose `numClasses` (a number, or one per head name).
 */
@HOOKS.register()
export class NumClassCheckHook extends Hook {
  private check(runner: BaseRunner): void {
    const classes = runner.dataLoader?.dataset?.classes;
    if (!classes) {
      runner.logger.warn('NumClassCheckHook: the dataset has no classes; the head class count is not checked');
      return;
    }
    if (typeof classes === 'string') throw new DetError(`dataset classes must be a list of names, got the string '${classes}'`);
    const numClasses = runner.model.numClasses;
    if (numClasses === undefined) return;
    const heads = typeof numClasses === 'number' ? { head: numClasses } : numClasses;
    for (const [head, n] of Object.entries(heads)) {
      if (n !== classes.length) {
        throw new DetError(
          `model.${head}.numClasses is ${n} but the dataset has ${classes.length} classes (${classes.slice(0, 5).join(', ')}${classes.length > 5 ? ', …' : ''}); ` +
            `set numClasses to ${classes.length} in the model config or pass matching 'classes' to the dataset`,
        );
      }
    }
  }

  override beforeTrainEpoch(runner: BaseRunner): void { this.check(runner); }
  override beforeValEpoch(runner: BaseRunner): void { this.check(runner); }
}
