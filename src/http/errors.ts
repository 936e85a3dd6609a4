// The management API's errors as RabbitMQ's HTTP API reports them: a status code and a JSON body
// {"error": ..., "reason": ...} with the same texts, so scripts matching on them keep working.
import { AmqpError } from '../amqp/amqp-error.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    /** A text, or a list where RabbitMQ reports an Erlang tuple such as {no_such_user, Name}. */
    readonly reason: string | string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${error}: ${reason}`);
  }
}

export const httpErrors = {
  notFound: () => new HttpError(404, 'Object Not Found', 'Not Found'),
  /** No credentials at all: RabbitMQ sends an empty 401 with the challenge. */
  noCredentials: () => new HttpError(401, '', '', { 'www-authenticate': 'Basic realm="RabbitMQ Management"' }),
  loginFailed: () => new HttpError(401, 'not_authorized', 'Login failed', { 'www-authenticate': 'Basic realm="RabbitMQ Management"' }),
  notManagement: () => new HttpError(401, 'not_authorised', 'Not management user'),
  notAdministrator: () => new HttpError(401, 'not_authorised', 'Not administrator user'),
  notMonitor: () => new HttpError(401, 'not_authorised', 'Not monitor user'),
  notAuthorisedObject: () => new HttpError(401, 'not_authorised', 'User not authorised to access object'),
  vhostAccessRefused: () => new HttpError(401, 'not_authorised', 'User not authorised to access virtual host'),
  methodNotAllowed: (allowed: string[]) => new HttpError(405, '', '', { allow: allowed.join(', ') }),
  notJson: () => new HttpError(400, 'bad_request', 'not_json'),
  badRequest: (reason: string | string[]) => new HttpError(400, 'bad_request', reason),
  /** A model error (inequivalent args, reserved names...): RabbitMQ shows the text without the code name. */
  fromAmqp: (e: AmqpError) => new HttpError(400, 'bad_request', e.text.replace(/^[A-Z_]+ - /, '')),
};
