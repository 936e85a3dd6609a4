"""Shared harness for the pika interoperability scripts.

Each script defines a dict of checks (name -> function(ctx) -> dict of observed details).
Run:  AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ NAME_PREFIX=t1 /usr/bin/python3 pika_basic.py [check ...]
With no check names every check runs. Output: exactly one JSON line on stdout,
  {"script": ..., "results": {check: {"ok": true, ...details} | {"ok": false, "error": "..."}}}
Exit status 0 when every selected check passed, 1 when one failed (the failure is also
printed to stderr), 2 on a usage/environment problem (e.g. pika missing).
"""
import sys
from check_harness import CheckFailed, expect, expect_eq, run_checks  # noqa: F401 (re-exported)

try:
    import pika  # noqa: F401
    import pika.exceptions  # noqa: F401
except ImportError as e:  # pragma: no cover
    sys.stderr.write('pika is not importable from %s (%s); use /usr/bin/python3 with python3-pika\n'
                     % (sys.executable, e))
    sys.exit(2)


class Ctx(object):
    """Per-check context: URL, unique names, and connections that are closed afterwards."""

    def __init__(self, url, prefix, check):
        self.url = url
        self.prefix = '%s.%s' % (prefix, check)
        self._connections = []
        self._cleanup = []

    def name(self, suffix):
        return '%s.%s' % (self.prefix, suffix)

    def params(self, **overrides):
        p = pika.URLParameters(self.url)
        p.connection_attempts = 1
        p.socket_timeout = 10
        p.blocked_connection_timeout = 30
        for k, v in overrides.items():
            setattr(p, k, v)
        return p

    def connect(self, **overrides):
        conn = pika.BlockingConnection(self.params(**overrides))
        self._connections.append(conn)
        return conn

    def on_cleanup(self, fn):
        self._cleanup.append(fn)

    def close(self):
        for fn in reversed(self._cleanup):
            try:
                fn()
            except Exception:
                pass
        for conn in self._connections:
            try:
                if conn.is_open:
                    conn.close()
            except Exception:
                pass


def delete_later(ctx, queues=(), exchanges=()):
    """Registers best-effort deletion of queues/exchanges on a fresh connection."""
    def cleanup():
        conn = pika.BlockingConnection(ctx.params())
        try:
            for q in queues:
                conn.channel().queue_delete(q)
            for x in exchanges:
                conn.channel().exchange_delete(x)
        finally:
            conn.close()
    ctx.on_cleanup(cleanup)


def shortstr(text):
    """reply-text is a shortstr: RabbitMQ cuts texts over 255 bytes to their first 252 bytes + '...'."""
    raw = text.encode('utf-8')
    if len(raw) <= 255:
        return text
    return raw[:252].decode('utf-8', 'ignore') + '...'


def expect_channel_closed(fn, code, text):
    """Runs fn, which must raise ChannelClosedByBroker with exactly (code, shortstr(text))."""
    text = shortstr(text)
    try:
        fn()
    except pika.exceptions.ChannelClosedByBroker as e:
        expect_eq(e.reply_code, code, 'reply_code')
        expect_eq(e.reply_text, text, 'reply_text')
        return {'reply_code': e.reply_code, 'reply_text': e.reply_text}
    raise CheckFailed('expected ChannelClosedByBroker(%d, %r) but the call succeeded' % (code, text))


def run(script, checks):
    run_checks(script, checks, Ctx, 'pika')

