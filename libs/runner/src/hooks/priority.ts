import { DetError } from '@det/registry';

/** Hook priorities (MMCV's names and values); lower runs first. */
export const Priority = {
  HIGHEST: 0,
  VERY_HIGH: 10,
  HIGH: 30,
  ABOVE_NORMAL: 40,
  NORMAL: 50,
  BELOW_NORMAL: 60,
  LOW: 70,
  VERY_LOW: 90,
  LOWEST: 100,
} as const;

export type PriorityName = keyof typeof Priority;
export type PriorityLike = PriorityName | number;

/** Priority value from a name (case-insensitive) or an integer in [0, 100]. */
export function getPriority(priority: PriorityLike | string): number {
  if (typeof priority === 'number') {
    if (!Number.isInteger(priority) || priority < 0 || priority > 100) {
      throw new DetError(`hook priority must be an integer in [0, 100] or one of ${Object.keys(Priority).join(', ')}; got ${priority}`);
    }
    return priority;
  }
  const key = String(priority).toUpperCase() as PriorityName;
  if (!(key in Priority)) {
    throw new DetError(`unknown hook priority '${priority}'; use a number in [0, 100] or one of ${Object.keys(Priority).join(', ')}`);
  }
  return Priority[key];
}

/** Name for a priority value if it has one (for getHookInfo), else the number. */
export function priorityName(value: number): string {
  const hit = Object.entries(Priority).find(([, v]) => v === value);
  return hit ? hit[0] : String(value);
}
