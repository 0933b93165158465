import { DetError, TRANSFORMS, type ComponentConfig } from '@det/registry';
import type { PipelineResults, Transform, TransformContext } from './types';

/** Runs transforms in order; a transform returning null drops the sample. */
export class Compose implements Transform {
  readonly transforms: Transform[];

  constructor(steps: (ComponentConfig | Transform)[] = [], keyPath = 'pipeline') {
    if (!Array.isArray(steps)) throw new DetError(`${keyPath} must be a list of transform configs`);
    this.transforms = steps.map((step, i) =>
      typeof (step as Transform).apply === 'function'
        ? (step as Transform)
        : TRANSFORMS.build<Transform>(step as ComponentConfig, { keyPath: `${keyPath}[${i}]` }),
    );
  }

  async apply(results: PipelineResults, ctx: TransformContext): Promise<PipelineResults | null> {
    let current: PipelineResults | null = results;
    for (const t of this.transforms) {
      current = await t.apply(current, ctx);
      if (current === null) return null;
    }
    return current;
  }
}
