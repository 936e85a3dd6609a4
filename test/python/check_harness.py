"""The part of the interoperability harness that does not depend on the client library: assertion
helpers and the command-line runner shared by pika_common.py and kombu_common.py.

Each script defines a dict of checks (name -> function(ctx) -> dict of observed details).
With no check names on the command line every check runs. Output: exactly one JSON line on stdout,
  {"script": ..., <extra top-level fields>, "results": {check: {"ok": true, ...} | {"ok": false, "error": "..."}}}
Exit status 0 when every selected check passed, 1 when one failed (the failure is also printed to
stderr), 2 on a usage/environment problem.
"""
import json
import os
import sys
import traceback


class CheckFailed(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise CheckFailed(message)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed('%s: expected %r, got %r' % (what, expected, actual))


def run_checks(script, checks, make_ctx, default_prefix, summary=lambda ctxs: {}):
    """Runs the selected checks, each with a fresh context from make_ctx(url, prefix, check), closed
    afterwards; `summary(contexts)` adds top-level fields to the JSON line."""
    url = os.environ.get('AMQP_URL')
    prefix = os.environ.get('NAME_PREFIX') or ('%s.%d' % (default_prefix, os.getpid()))
    if not url:
        sys.stderr.write('AMQP_URL is not set\n')
        sys.exit(2)
    selected = sys.argv[1:] or list(checks.keys())
    unknown = [c for c in selected if c not in checks]
    if unknown:
        sys.stderr.write('unknown check(s): %s; known: %s\n' % (', '.join(unknown), ', '.join(checks)))
        sys.exit(2)
    results = {}
    contexts = []
    failed = False
    for check in selected:
        ctx = make_ctx(url, prefix, check)
        contexts.append(ctx)
        try:
            details = checks[check](ctx) or {}
            results[check] = dict(ok=True, **details)
        except Exception as e:
            failed = True
            msg = '%s: %s' % (type(e).__name__, e)
            results[check] = {'ok': False, 'error': msg}
            sys.stderr.write('check %s failed: %s\n%s\n' % (check, msg, traceback.format_exc()))
        finally:
            ctx.close()
    out = {'script': script}
    out.update(summary(contexts))
    out['results'] = results
    sys.stdout.write(json.dumps(out, default=repr) + '\n')
    sys.stdout.flush()
    sys.exit(1 if failed else 0)
