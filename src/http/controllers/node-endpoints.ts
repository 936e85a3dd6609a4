import type { ManagementContext } from '../context.js';
import type { Router } from '../router.js';
import { registerAuthAttempts } from './auth-attempts.js';
import { registerFeatureFlags } from './feature-flags.js';
import { registerLogin } from './login.js';
import { registerNodeMemory } from './node-memory.js';
import { registerRebalance } from './rebalance.js';
import { registerReset } from './reset.js';

/** The node-level endpoints beyond the overview: memory, feature flags, login attempts, login, rebalance, statistics reset. */
export function registerNodeEndpoints(router: Router, ctx: ManagementContext): void {
  registerNodeMemory(router, ctx);
  registerFeatureFlags(router, ctx);
  registerAuthAttempts(router, ctx);
  registerLogin(router, ctx);
  registerRebalance(router, ctx);
  registerReset(router, ctx);
}
