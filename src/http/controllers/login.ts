import type { ManagementContext } from '../context.js';
import { authenticate, authorize } from '../auth.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';

/**
 * POST /api/login with a form body (username, password), as RabbitMQ 3.10.8 answers it: a
 * management user's credentials get 200 "ok" and the `auth` cookie (base64 of user:password, the
 * value RabbitMQ's UI keeps and turns into a basic-auth header); anything else 401 "Login failed".
 * The cookie does not log API requests in by itself — RabbitMQ's API also wants the header.
 */
export function registerLogin(router: Router, ctx: ManagementContext): void {
  router.add('POST', '/api/login', 'public', (req) => {
    // Only a form counts: RabbitMQ answers a JSON body with 401 too.
    const isForm = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
    const form = isForm ? (req.body as Record<string, unknown> | undefined) : undefined;
    const username = form?.username;
    const password = form?.password;
    if (typeof username !== 'string' || typeof password !== 'string') throw httpErrors.loginFailed();
    const token = Buffer.from(`${username}:${password}`).toString('base64');
    authorize(authenticate(ctx.users, `Basic ${token}`), 'management');
    return { status: 200, body: 'ok', headers: { 'set-cookie': `auth=${token}; Version=1`, 'cache-control': 'no-cache' } };
  });
}
