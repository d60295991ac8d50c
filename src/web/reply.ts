// What the web app's routes share: the route config, ID params, and how pages and answers to
// forms go out.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { idSchema } from '../api/schemas.js';
import type { Html } from './html.js';

/** The config of every web route (a cookie session, not a bearer token). */
export const WEB = { web: true } as const;

export const idParams = z.strictObject({ id: idSchema });

/** Sends a page or a fragment. */
export const sendHtml = (reply: FastifyReply, body: Html, status = 200) =>
  reply.code(status).type('text/html; charset=utf-8').send(body.value);

/** After a form: htmx follows HX-Redirect; a plain form follows the 303. */
export function redirectAfterPost(request: FastifyRequest, reply: FastifyReply, to: string) {
  if (request.headers['hx-request'] === 'true')
    return reply.header('hx-redirect', to).code(204).send();
  return reply.redirect(to, 303);
}
