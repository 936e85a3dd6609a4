// warrenctl's failures and their exit codes. The codes are rabbitmqctl's (BSD sysexits), so scripts
// and Kubernetes probes written for rabbitmqctl read Warren's answers the same way.

export const ExitCode = {
  ok: 0,
  /** Unknown command, wrong number of arguments, unknown option or column. */
  usage: 64,
  /** Bad input data (unreadable definitions file, wrong credentials for authenticate_user...). */
  dataErr: 65,
  /** The named user does not exist. */
  noUser: 67,
  /** Node unreachable, object missing, failed health check: rabbitmqctl's catch-all for errors. */
  unavailable: 69,
  /** The node answered something unexpected (an internal error, or a state the CLI cannot use). */
  software: 70,
  /** The operation did not finish within --timeout. */
  tempFail: 75,
  /** The node refused the CLI's user (it lacks the management tag the verb needs). */
  noPerm: 77,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure to report and exit with. rabbitmqctl prints most errors as "Error:" and the text on the
 * next line; some (a missing vhost, a failed health check) print the bare text — `bare` says which.
 * `json` is what `--formatter json` prints instead of the text (health checks have a JSON failure).
 */
export class CtlError extends Error {
  constructor(
    readonly code: ExitCodeValue,
    message: string,
    readonly options: { bare?: boolean; json?: unknown } = {},
  ) {
    super(message);
  }
}

/** Wrong usage: printed with the arguments given and the verb's usage line, exit code 64. */
export class UsageError extends Error {}
