#!/usr/bin/python3
"""pika interoperability: channel and connection errors, with the exact reply codes and texts
RabbitMQ 3.10 sends. See pika_common.py for the protocol of this script."""
import time

import pika
import pika.exceptions

from pika_common import CheckFailed, delete_later, expect, expect_channel_closed, expect_eq, run


def not_found_queue(name):
    return "NOT_FOUND - no queue '%s' in vhost '/'" % name


def not_found_exchange(name):
    return "NOT_FOUND - no exchange '%s' in vhost '/'" % name


def check_passive_queue_404(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.name('missing')
    got = expect_channel_closed(lambda: ch.queue_declare(q, passive=True), 404, not_found_queue(q))
    expect(ch.is_closed, 'channel should be closed after 404')
    expect(conn.is_open, 'connection should stay open after a channel error')
    # The connection is still usable, and the closed channel number can be reused.
    ch2 = conn.channel()
    ch2.queue_declare('', exclusive=True)
    return got


def check_passive_exchange_404(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.name('missing')
    got = expect_channel_closed(lambda: ch.exchange_declare(x, passive=True), 404, not_found_exchange(x))
    expect(conn.is_open, 'connection should stay open after a channel error')
    return got


def check_publish_missing_exchange(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.name('missing')
    # basic.publish has no reply; the broker closes the channel asynchronously and pika
    # reports it on the next synchronous call on that channel.
    ch.basic_publish(x, 'rk', b'lost')

    def next_call():
        # the channel.close is answered before this synchronous call's reply
        ch.queue_declare('', exclusive=True)
    got = expect_channel_closed(next_call, 404, not_found_exchange(x))
    expect(conn.is_open, 'connection should stay open')
    return got


def check_operations_on_missing_queue(ctx):
    conn = ctx.connect()
    q = ctx.name('missing')
    out = {}
    for label, fn in (
        ('bind', lambda c: c.queue_bind(q, 'amq.direct', 'k')),
        ('consume', lambda c: c.basic_consume(q, lambda *a: None)),
        ('get', lambda c: c.basic_get(q)),
        ('purge', lambda c: c.queue_purge(q)),
    ):
        c = conn.channel()
        out[label] = expect_channel_closed(lambda: fn(c), 404, not_found_queue(q))
    c = conn.channel()
    x = ctx.name('missing-x')
    qq = c.queue_declare('', exclusive=True).method.queue
    out['bind_missing_exchange'] = expect_channel_closed(lambda: c.queue_bind(qq, x, 'k'), 404,
                                                         not_found_exchange(x))
    return out


def check_delete_missing_is_ok(ctx):
    # RabbitMQ 3.10: deleting a queue or exchange that does not exist succeeds.
    conn = ctx.connect()
    ch = conn.channel()
    expect_eq(ch.queue_delete(ctx.name('nope')).method.message_count, 0, 'queue.delete-ok message_count')
    ch.exchange_delete(ctx.name('nope-x'))
    expect(ch.is_open, 'channel open after deleting missing entities')
    return {}


def check_inequivalent_queue(ctx):
    conn = ctx.connect()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    conn.channel().queue_declare(q)
    out = {}
    cases = (
        ('durable', dict(durable=True),
         "PRECONDITION_FAILED - inequivalent arg 'durable' for queue '%s' in vhost '/': "
         "received 'true' but current is 'false'" % q, 406),
        ('auto_delete', dict(auto_delete=True),
         "PRECONDITION_FAILED - inequivalent arg 'auto_delete' for queue '%s' in vhost '/': "
         "received 'true' but current is 'false'" % q, 406),
        ('x-message-ttl', dict(arguments={'x-message-ttl': 1000}),
         "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue '%s' in vhost '/': "
         "received the value '1000' of type 'signedint' but current is none" % q, 406),
        ('exclusive', dict(exclusive=True),
         "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '%s' in vhost '/'. It could be "
         "originally declared on another connection or the exclusive property value does not match that "
         "of the original declaration." % q, 405),
    )
    for label, kwargs, text, code in cases:
        c = conn.channel()
        out[label] = expect_channel_closed(lambda: c.queue_declare(q, **kwargs), code, text)
    # A passive declare ignores the other flags.
    conn.channel().queue_declare(q, passive=True, durable=True)
    return out


def check_inequivalent_exchange(ctx):
    conn = ctx.connect()
    x = ctx.name('x')
    delete_later(ctx, exchanges=[x])
    conn.channel().exchange_declare(x, 'direct')
    out = {}
    c = conn.channel()
    out['type'] = expect_channel_closed(
        lambda: c.exchange_declare(x, 'fanout'), 406,
        "PRECONDITION_FAILED - inequivalent arg 'type' for exchange '%s' in vhost '/': "
        "received 'fanout' but current is 'direct'" % x)
    c = conn.channel()
    out['durable'] = expect_channel_closed(
        lambda: c.exchange_declare(x, 'direct', durable=True), 406,
        "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange '%s' in vhost '/': "
        "received 'true' but current is 'false'" % x)
    # passive declare with a different type is fine
    conn.channel().exchange_declare(x, 'fanout', passive=True)
    return out


def check_reserved_names(ctx):
    conn = ctx.connect()
    out = {}
    xn = 'amq.' + ctx.name('x')
    qn = 'amq.' + ctx.name('q')
    c = conn.channel()
    out['declare_amq_exchange'] = expect_channel_closed(
        lambda: c.exchange_declare(xn, 'direct'), 403,
        "ACCESS_REFUSED - exchange name '%s' contains reserved prefix 'amq.*'" % xn)
    c = conn.channel()
    out['declare_amq_queue'] = expect_channel_closed(
        lambda: c.queue_declare(qn), 403,
        "ACCESS_REFUSED - queue name '%s' contains reserved prefix 'amq.*'" % qn)
    c = conn.channel()
    out['delete_amq_direct'] = expect_channel_closed(
        lambda: c.exchange_delete('amq.direct'), 403,
        "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed")
    c = conn.channel()
    q = c.queue_declare('', exclusive=True).method.queue
    out['bind_default_exchange'] = expect_channel_closed(
        lambda: c.queue_bind(q, '', 'k'), 403, 'ACCESS_REFUSED - operation not permitted on the default exchange')
    c = conn.channel()
    out['delete_default_exchange'] = expect_channel_closed(
        lambda: c.exchange_delete(''), 403, 'ACCESS_REFUSED - operation not permitted on the default exchange')
    # Declaring the predeclared exchanges with matching type is fine (passive or not).
    c = conn.channel()
    for name, kind in (('amq.direct', 'direct'), ('amq.fanout', 'fanout'), ('amq.topic', 'topic'),
                       ('amq.headers', 'headers'), ('amq.match', 'headers')):
        c.exchange_declare(name, passive=True)
        c.exchange_declare(name, kind, durable=True)
    return out


def check_unknown_exchange_type(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.name('x')
    try:
        ch.exchange_declare(x, 'no-such-type')
    except pika.exceptions.ConnectionClosedByBroker as e:
        expect_eq((e.reply_code, e.reply_text), (503, "COMMAND_INVALID - unknown exchange type 'no-such-type'"),
                  'unknown exchange type closes the connection')
        expect(conn.is_closed, 'connection closed')
        return {'reply_code': e.reply_code, 'reply_text': e.reply_text}
    raise CheckFailed('declaring an exchange of unknown type succeeded')


def check_unknown_delivery_tag(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    ch.basic_ack(99)

    def sync():
        # the channel.close is answered before this synchronous call's reply
        ch.queue_declare('', exclusive=True)
    got = expect_channel_closed(sync, 406, 'PRECONDITION_FAILED - unknown delivery tag 99')
    # acking twice is the same error
    ch2 = conn.channel()
    q = ch2.queue_declare('', exclusive=True).method.queue
    ch2.basic_publish('', q, b'x')
    conn.process_data_events(0.1)
    m, _, _ = ch2.basic_get(q)
    expect(m is not None, 'message')
    ch2.basic_ack(m.delivery_tag)
    ch2.basic_ack(m.delivery_tag)

    def sync2():
        # the channel.close is answered before this synchronous call's reply
        ch2.queue_declare(q, passive=True)
    got2 = expect_channel_closed(sync2, 406, 'PRECONDITION_FAILED - unknown delivery tag %d' % m.delivery_tag)
    return {'unknown': got, 'double_ack': got2}


def check_user_id_mismatch(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ch.queue_declare('', exclusive=True).method.queue
    ch.basic_publish('', q, b'x', pika.BasicProperties(user_id='mallory'))

    def sync():
        # the channel.close is answered before this synchronous call's reply
        ch.queue_declare(q, passive=True)
    return expect_channel_closed(
        sync, 406, "PRECONDITION_FAILED - user_id property set to 'mallory' but authenticated user was 'guest'")


def check_exclusive_consumer(ctx):
    conn = ctx.connect()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    c1 = conn.channel()
    c1.queue_declare(q)
    c1.basic_consume(q, lambda *a: None, exclusive=True)
    c2 = conn.channel()
    got = expect_channel_closed(lambda: c2.basic_consume(q, lambda *a: None), 403,
                                "ACCESS_REFUSED - queue '%s' in vhost '/' in exclusive use" % q)
    c3 = conn.channel()
    q2 = ctx.name('q2')
    delete_later(ctx, queues=[q2])
    c3.queue_declare(q2)
    c3.basic_consume(q2, lambda *a: None)
    c4 = conn.channel()
    got2 = expect_channel_closed(lambda: c4.basic_consume(q2, lambda *a: None, exclusive=True), 403,
                                 "ACCESS_REFUSED - queue '%s' in vhost '/' in exclusive use" % q2)
    return {'second_consumer': got, 'exclusive_after_consumer': got2}


def _connect_error(ctx, url):
    try:
        conn = pika.BlockingConnection(pika.URLParameters(url))
        conn.close()
    except pika.exceptions.AMQPConnectionError as e:
        return e
    raise CheckFailed('connection to %s succeeded' % url)


def check_bad_credentials(ctx):
    base = ctx.url
    bad = base.replace('guest:guest@', 'guest:wrong-password@', 1)
    expect(bad != base, 'AMQP_URL must contain guest:guest@ for this check')
    e = _connect_error(ctx, bad)
    expect(isinstance(e, pika.exceptions.ProbableAuthenticationError),
           'expected ProbableAuthenticationError, got %r' % (e,))
    text = str(e.args[0]) if e.args else ''
    expected = ("ConnectionClosedByBroker: (403) 'ACCESS_REFUSED - Login was refused using authentication "
                "mechanism PLAIN. For details see the broker logfile.'")
    expect_eq(text, expected, 'error text')
    return {'error': text}


def check_unknown_vhost(ctx):
    base = ctx.url.rstrip('/')
    if base.count('/') > 2:  # URL already has a vhost path: strip it
        base = base[:base.rindex('/')]
    vhost = 'no-such-vhost-%s' % ctx.prefix.replace('.', '-')
    e = _connect_error(ctx, base + '/' + vhost)
    expect(isinstance(e, pika.exceptions.ProbableAccessDeniedError),
           'expected ProbableAccessDeniedError, got %r' % (e,))
    text = str(e.args[0]) if e.args else ''
    expect_eq(text, "ConnectionClosedByBroker: (530) 'NOT_ALLOWED - vhost %s not found'" % vhost, 'error text')
    return {'error': text}


def check_channel_reuse_after_error(ctx):
    conn = ctx.connect()
    q = ctx.name('q')
    for _ in range(5):
        ch = conn.channel()
        expect_channel_closed(lambda: ch.queue_declare(q, passive=True), 404, not_found_queue(q))
    ch = conn.channel()
    ch.queue_declare(q, exclusive=True)
    ch.queue_declare(q, passive=True)
    expect(conn.is_open, 'connection survives repeated channel errors')
    return {'channel_number': ch.channel_number}


CHECKS = {
    'passive_queue_404': check_passive_queue_404,
    'passive_exchange_404': check_passive_exchange_404,
    'publish_missing_exchange': check_publish_missing_exchange,
    'operations_on_missing_queue': check_operations_on_missing_queue,
    'delete_missing_is_ok': check_delete_missing_is_ok,
    'inequivalent_queue': check_inequivalent_queue,
    'inequivalent_exchange': check_inequivalent_exchange,
    'reserved_names': check_reserved_names,
    'unknown_exchange_type': check_unknown_exchange_type,
    'unknown_delivery_tag': check_unknown_delivery_tag,
    'user_id_mismatch': check_user_id_mismatch,
    'exclusive_consumer': check_exclusive_consumer,
    'bad_credentials': check_bad_credentials,
    'unknown_vhost': check_unknown_vhost,
    'channel_reuse_after_error': check_channel_reuse_after_error,
}

if __name__ == '__main__':
    run('pika_errors', CHECKS)
