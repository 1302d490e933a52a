import type { TargetSettings } from '../target-control';
import type { TandemConfig } from './schema';

/**
 * What the config says of a target to its controller: its rate limit, whether it has a queue,
 * its circuit breaker.
 */
export function targetSettings(config: TandemConfig, target: string): TargetSettings {
  const settings = config.targets[target]!;
  return {
    ...(settings.rateLimit !== undefined && { rateLimit: settings.rateLimit }),
    ...(!settings.bulkhead && { sharedQueue: true }),
    ...(settings.breaker && { breaker: settings.breaker }),
  };
}
