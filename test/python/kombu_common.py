"""Shared harness for the kombu and Celery interoperability scripts (Debian python3-kombu 5.2,
python3-amqp 5.1, python3-celery 5.2 under /usr/bin/python3).

Each script defines a dict of checks (name -> function(ctx) -> dict of observed details).
Run:  AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ NAME_PREFIX=t1 /usr/bin/python3 kombu_topology.py [check ...]
With no check names every check runs. Output: exactly one JSON line on stdout,
  {"script": ..., "product": "RabbitMQ"|"Warren"|null (null unless a check asked), "results": {check: {"ok": true, ...details} | {"ok": false, "error": "..."}}}
Exit status 0 when every selected check passed, 1 when one failed (the failure is also printed to
stderr), 2 on a usage/environment problem (e.g. kombu missing).

Checks that depend on which broker answers read ctx.product, the `product` field of the server's
connection.start properties ('RabbitMQ' or 'Warren'): that is the only place where the two are
allowed to differ, and each such check says why.
"""
import datetime
import json
import sys
import time
from check_harness import CheckFailed, expect, expect_eq, run_checks  # noqa: F401 (re-exported)

try:
    import amqp  # noqa: F401
    import amqp.exceptions  # noqa: F401
    import kombu  # noqa: F401
    from kombu import Connection, Exchange, Queue  # noqa: F401
except ImportError as e:  # pragma: no cover
    sys.stderr.write('kombu is not importable from %s (%s); use /usr/bin/python3 with python3-kombu\n'
                     % (sys.executable, e))
    sys.exit(2)


class Ctx(object):
    """Per-check context: URL, unique names, connections closed and entities deleted afterwards."""

    def __init__(self, url, prefix, check):
        self.url = url
        self.prefix = '%s.%s' % (prefix, check)
        self._connections = []
        self._queues = []
        self._exchanges = []
        self._cleanup = []
        self._product = None

    def name(self, suffix):
        return '%s.%s' % (self.prefix, suffix)

    def connect(self):
        conn = Connection(self.url, connect_timeout=10, heartbeat=0)
        conn.connect()
        self._connections.append(conn)
        return conn

    @property
    def product(self):
        if self._product is None:
            conn = self.connect()
            self._product = str(conn.connection.server_properties.get('product'))
        return self._product

    def exchange(self, suffix, type_, **kw):
        ex = Exchange(self.name(suffix), type_, **kw)
        self._exchanges.append(ex.name)
        return ex

    def queue(self, suffix, exchange=None, routing_key='', **kw):
        q = Queue(self.name(suffix), exchange, routing_key, **kw)
        self._queues.append(q.name)
        return q

    def forget_queue(self, name):
        self._queues = [q for q in self._queues if q != name]

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
                conn.release()
            except Exception:
                pass
        if self._queues or self._exchanges:
            try:
                with Connection(self.url, connect_timeout=10) as conn:
                    for q in self._queues:
                        try:
                            conn.channel().queue_delete(q)
                        except Exception:
                            pass
                    for x in self._exchanges:
                        try:
                            conn.channel().exchange_delete(x)
                        except Exception:
                            pass
            except Exception:
                pass


def get_eventually(channel, queue, timeout=10.0, accept=('json',)):
    """basic.get (no-ack) until a message arrives or the timeout passes; returns the kombu Message."""
    deadline = time.time() + timeout
    bound = queue(channel)
    while True:
        m = bound.get(no_ack=True, accept=list(accept))
        if m is not None:
            return m
        if time.time() > deadline:
            raise CheckFailed('no message in %s after %.1f s' % (queue.name, timeout))
        time.sleep(0.05)


def expect_empty(channel, queue):
    m = queue(channel).get(no_ack=True)
    expect(m is None, 'queue %s should be empty but held %r' % (queue.name, m and m.body))


def passive_exists(conn, name):
    """True when queue.declare(passive=True) succeeds, False on 404 (on a throwaway channel)."""
    ch = conn.channel()
    try:
        ch.queue_declare(name, passive=True)
        return True
    except amqp.exceptions.NotFound:
        return False
    finally:
        try:
            ch.close()
        except Exception:
            pass


def describe_time(value):
    """x-death 'time' must be an AMQP timestamp: py-amqp decodes type 'T' to a naive UTC datetime."""
    expect(isinstance(value, datetime.datetime), 'x-death time should decode as a timestamp, got %r' % (value,))
    age = (datetime.datetime.utcnow() - value).total_seconds()
    expect(-300 < age < 300, 'x-death time %s is not close to now (age %.0f s)' % (value, age))
    return value.isoformat()


def x_death_view(headers):
    """The dead-lettering headers as JSON: x-death with its field order, time as ISO text."""
    deaths = headers.get('x-death')
    expect(isinstance(deaths, list), 'x-death should be a list (array of tables), got %r' % (deaths,))
    out = []
    for d in deaths:
        expect(isinstance(d, dict), 'x-death entries are tables, got %r' % (d,))
        entry = {'keys': list(d.keys())}
        for k, v in d.items():
            entry[k] = describe_time(v) if k == 'time' else v
        out.append(entry)
    first = {k: v for k, v in headers.items() if k.startswith('x-first-death-')}
    return {'x_death': out, 'x_first_death': first, 'header_keys': list(headers.keys())}


def expect_x_death(headers, count, reason, queue, exchange, routing_keys, original_expiration=None):
    """Asserts one x-death entry exactly as RabbitMQ 3.10 writes it: the fields count, reason, queue,
    time, exchange, routing-keys (in that order), plus original-expiration when the message had a
    per-message TTL; and the x-first-death-exchange/-queue/-reason headers."""
    view = x_death_view(headers)
    deaths = view['x_death']
    expect_eq(len(deaths), 1, 'number of x-death entries')
    d = deaths[0]
    keys = ['count', 'reason', 'queue', 'time', 'exchange', 'routing-keys']
    if original_expiration is not None:
        keys.append('original-expiration')
    expect_eq(sorted(d['keys']), sorted(keys), 'x-death fields')
    expect_eq(d['count'], count, 'x-death count')
    expect_eq(d['reason'], reason, 'x-death reason')
    expect_eq(d['queue'], queue, 'x-death queue')
    expect_eq(d['exchange'], exchange, 'x-death exchange')
    expect_eq(d['routing-keys'], routing_keys, 'x-death routing-keys')
    if original_expiration is not None:
        expect_eq(d['original-expiration'], original_expiration, 'x-death original-expiration')
    expect_eq(view['x_first_death'], {
        'x-first-death-exchange': exchange,
        'x-first-death-queue': queue,
        'x-first-death-reason': reason,
    }, 'x-first-death-* headers')
    return view


def run(script, checks):
    run_checks(script, checks, Ctx, 'kombu', lambda ctxs: {'product': next((c._product for c in ctxs if c._product), None)})


if __name__ == '__main__':
    # Importability probe used by the TS suite: kombu, py-amqp and celery versions.
    import celery
    sys.stdout.write(json.dumps({'kombu': kombu.__version__, 'amqp': amqp.__version__,
                                 'celery': celery.__version__}) + '\n')
