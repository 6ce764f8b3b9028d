import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { RouteGroup } from '../app.js';
import { SESSION_COOKIE } from '../auth/guard.js';
import { scopeOfToken, signSession } from '../auth/tokens.js';
import { parseInput } from '../validate.js';

const SESSION_DAYS = 30;
const Login = z.object({ token: z.string().min(1).max(200) }).strict();

/** Login and logout for the browser: the token becomes an HttpOnly, SameSite=Strict cookie. */
export const authRoutes: RouteGroup = async (app, { deps }) => {
  const now = deps.now ?? Date.now;

  app.post('/api/login', async (request, reply) => {
    const { token } = parseInput(Login, request.body, 'body');
    const scope = scopeOfToken(deps.auth.tokens, token);
    if (!scope) throw new SmolError(ErrorCodes.AUTH_INVALID, 'that is not a token of this node (see `smollama status`)');
    const maxAge = SESSION_DAYS * 86_400;
    const value = signSession(deps.auth.tokens, scope, now() + maxAge * 1000);
    void reply.header('set-cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`);
    return { scope };
  });

  app.post('/api/logout', async (_request, reply) => {
    void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return { scope: null };
  });

  // Public: the UI asks this first to decide between the dashboard and the login form.
  app.get('/api/whoami', async (request) => ({ scope: request.access.scope ?? null, via: request.access.via }));
};
