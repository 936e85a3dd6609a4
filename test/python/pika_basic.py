#!/usr/bin/python3
"""pika (BlockingConnection) interoperability: connect, declare/bind, properties, consume/ack,
nack/reject, cancel, exclusive queues. See pika_common.py for the protocol of this script."""
import datetime
import decimal
import time

import pika
import pika.exceptions

from pika_common import CheckFailed, delete_later, expect, expect_eq, run, shortstr


def check_connect(ctx):
    conn = ctx.connect()
    expect(conn.is_open, 'connection is not open')
    impl = conn._impl
    props = impl.server_properties
    caps = props.get('capabilities', {})
    # pika refuses confirm_delivery() unless both of these are advertised.
    for cap in ('publisher_confirms', 'basic.nack'):
        expect(caps.get(cap) is True, 'server capability %r not advertised as true: %r' % (cap, caps))
    expect(conn.publisher_confirms_supported if hasattr(conn, 'publisher_confirms_supported') else True,
           'pika says publisher confirms are unsupported')
    ch = conn.channel()
    expect(ch.is_open, 'channel not open')
    ch.close()
    expect(ch.is_closed, 'channel not closed after close()')
    frame_max = impl.params.frame_max
    channel_max = impl.params.channel_max
    heartbeat = impl.params.heartbeat
    expect(frame_max >= 4096, 'negotiated frame_max too small: %r' % frame_max)
    expect(channel_max >= 1, 'negotiated channel_max too small: %r' % channel_max)
    conn.close()
    expect(conn.is_closed, 'connection not closed after close()')
    return {
        'product': props.get('product'),
        'version': props.get('version'),
        'capabilities': caps,
        'frame_max': frame_max,
        'channel_max': channel_max,
        'heartbeat': heartbeat,
    }


def check_declare_bind(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x, x2, q = ctx.name('x'), ctx.name('x2'), ctx.name('q')
    delete_later(ctx, queues=[q], exchanges=[x, x2])
    expect_eq(type(ch.exchange_declare(x, 'direct').method).__name__, 'DeclareOk', 'exchange.declare reply')
    ch.exchange_declare(x, 'direct')  # idempotent redeclare
    ch.exchange_declare(x, passive=True)
    ch.exchange_declare(x2, 'fanout')
    ok = ch.queue_declare(q).method
    expect_eq(ok.queue, q, 'declare-ok queue name')
    expect_eq(ok.message_count, 0, 'declare-ok message_count')
    expect_eq(ok.consumer_count, 0, 'declare-ok consumer_count')
    ch.queue_bind(q, x, routing_key='rk')
    ch.exchange_bind(destination=x2, source=x, routing_key='e2e')
    ch.queue_bind(q, x2, routing_key='ignored-by-fanout')
    ch.basic_publish(x, 'rk', b'one')
    ch.basic_publish(x, 'rk', b'two')
    ch.basic_publish(x, 'other', b'dropped')          # no binding: silently dropped
    ch.basic_publish(x, 'e2e', b'via-exchange-binding')  # x -> x2 (fanout) -> q
    ch.basic_publish('', q, b'default-exchange')        # default exchange routes by queue name
    bodies = []
    deadline = time.time() + 10
    while len(bodies) < 4 and time.time() < deadline:
        m, p, b = ch.basic_get(q, auto_ack=True)
        if m is None:
            conn.process_data_events(0.05)
            continue
        bodies.append(b)
    expect_eq(bodies, [b'one', b'two', b'via-exchange-binding', b'default-exchange'], 'bodies in order')
    ch.queue_unbind(q, x, routing_key='rk')
    ch.exchange_unbind(destination=x2, source=x, routing_key='e2e')
    ch.basic_publish(x, 'rk', b'after-unbind')
    ch.basic_publish(x, 'e2e', b'after-unbind')
    ch.basic_publish('', q, b'marker')
    deadline = time.time() + 10
    got = None
    while time.time() < deadline:
        m, p, b = ch.basic_get(q, auto_ack=True)
        if m is not None:
            got = (b, m.message_count)
            break
        conn.process_data_events(0.05)
    expect_eq(got, (b'marker', 0), 'only the marker arrives after unbind (body, message_count)')
    for i in range(3):
        ch.basic_publish('', q, b'purge-me')
    deadline = time.time() + 10
    while ch.queue_declare(q, passive=True).method.message_count < 3 and time.time() < deadline:
        conn.process_data_events(0.05)
    expect_eq(ch.queue_declare(q, passive=True).method.message_count, 3, 'passive declare message_count')
    expect_eq(ch.queue_purge(q).method.message_count, 3, 'purge-ok message_count')
    ch.basic_publish('', q, b'left')
    conn.process_data_events(0.2)
    expect_eq(ch.queue_declare(q, passive=True).method.message_count, 1, 'message_count after purge+publish')
    expect_eq(ch.queue_delete(q).method.message_count, 1, 'delete-ok message_count')
    ch.exchange_delete(x)
    ch.exchange_delete(x2)
    # Server-named queue.
    named = ch.queue_declare('', exclusive=True).method.queue
    expect(named.startswith('amq.gen-'), 'server-named queue %r does not start with amq.gen-' % named)
    return {'server_named_queue': named}


def _headers():
    return {
        'str': 'hello', 'int': 42, 'neg': -7, 'big': 2 ** 40, 'bool_t': True, 'bool_f': False,
        'bytes': b'\x00\x01\xff', 'none': None, 'list': [1, 'two', True, [3]],
        'dict': {'a': 1, 'b': {'c': 'd'}}, 'dec': decimal.Decimal('3.14'),
        'ts': datetime.datetime(2020, 1, 2, 3, 4, 5), 'unicode': 'h\u00e9llo \u2713', 'empty': '',
    }


PROP_NAMES = ('content_type', 'content_encoding', 'delivery_mode', 'priority', 'correlation_id',
              'reply_to', 'expiration', 'message_id', 'timestamp', 'type', 'user_id', 'app_id', 'cluster_id')


def check_properties_roundtrip(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    ch.queue_declare(q)
    headers = _headers()
    props = pika.BasicProperties(
        content_type='application/json', content_encoding='utf-8', headers=headers, delivery_mode=2,
        priority=5, correlation_id='corr-1', reply_to='reply.q', expiration='60000', message_id='msg-1',
        timestamp=1600000000, type='my.type', user_id='guest', app_id='pika-test', cluster_id='cl')
    body = b'body \x00\xff with binary'
    ch.basic_publish('', q, body, props)
    ch.basic_publish('', q, b'', pika.BasicProperties())  # empty body, no properties
    deadline = time.time() + 10
    got = []
    while len(got) < 2 and time.time() < deadline:
        m, p, b = ch.basic_get(q)
        if m is None:
            conn.process_data_events(0.05)
            continue
        got.append((m, p, b))
    expect_eq(len(got), 2, 'messages fetched')
    m, p, b = got[0]
    expect_eq(b, body, 'body')
    expect_eq(m.exchange, '', 'get-ok exchange')
    expect_eq(m.routing_key, q, 'get-ok routing_key')
    expect_eq(m.redelivered, False, 'get-ok redelivered')
    expect_eq(m.message_count, 1, 'get-ok message_count (messages left)')
    for name in PROP_NAMES:
        expect_eq(getattr(p, name), getattr(props, name), 'property %s' % name)
    expect_eq(sorted(p.headers.keys()), sorted(headers.keys()), 'header names')
    for k, v in headers.items():
        expect_eq(p.headers[k], v, 'header %r' % k)
        # pika decodes 'l' (64-bit) as its own int subclass; everything else must keep its type
        expect(isinstance(p.headers[k], type(v)), 'header %r type %s, expected %s'
               % (k, type(p.headers[k]).__name__, type(v).__name__))
    m2, p2, b2 = got[1]
    expect_eq(b2, b'', 'empty body')
    expect_eq(m2.message_count, 0, 'get-ok message_count of last message')
    for name in PROP_NAMES + ('headers',):
        expect_eq(getattr(p2, name), None, 'unset property %s' % name)
    ch.basic_ack(m.delivery_tag)
    ch.basic_ack(m2.delivery_tag)
    expect_eq(ch.basic_get(q), (None, None, None), 'basic_get on empty queue')
    return {'delivery_tags': [m.delivery_tag, m2.delivery_tag]}


def check_large_body(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ch.queue_declare('', exclusive=True).method.queue
    frame_max = conn._impl.params.frame_max
    sizes = [frame_max - 8, frame_max - 9, frame_max, frame_max * 3 + 17, 1024 * 1024]
    bodies = [bytes((i * 7 + n) % 256 for i in range(n)) for n in sizes]
    for body in bodies:
        ch.basic_publish('', q, body)
    got = []
    deadline = time.time() + 15
    while len(got) < len(bodies) and time.time() < deadline:
        m, p, b = ch.basic_get(q, auto_ack=True)
        if m is None:
            conn.process_data_events(0.05)
            continue
        got.append(b)
    expect_eq(len(got), len(bodies), 'number of large messages back')
    for i, (a, b) in enumerate(zip(got, bodies)):
        expect(a == b, 'body %d (size %d) differs (got size %d)' % (i, len(b), len(a)))
    return {'sizes': sizes}


def _consume_n(conn, ch, queue, n, auto_ack=False, timeout=10):
    got = []

    def on_message(chan, method, properties, body):
        got.append((method, properties, body))

    tag = ch.basic_consume(queue, on_message, auto_ack=auto_ack)
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        conn.process_data_events(0.05)
    return tag, got


def check_consume_manual_ack(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    ch.queue_declare(q)
    n = 20
    for i in range(n):
        ch.basic_publish('', q, ('m%d' % i).encode(), pika.BasicProperties(message_id=str(i)))
    tag, got = _consume_n(conn, ch, q, n)
    expect_eq([b for _, _, b in got], [('m%d' % i).encode() for i in range(n)], 'bodies in publish order')
    expect_eq([m.delivery_tag for m, _, _ in got], list(range(1, n + 1)), 'delivery tags 1..n')
    expect(all(m.consumer_tag == tag for m, _, _ in got), 'deliveries carry the consumer tag')
    expect(all(not m.redelivered for m, _, _ in got), 'first deliveries are not redelivered')
    expect(all(m.exchange == '' and m.routing_key == q for m, _, _ in got), 'deliver exchange/routing key')
    # Unacked messages are not "ready": message_count excludes them, consumer_count includes us.
    ok = ch.queue_declare(q, passive=True).method
    expect_eq((ok.message_count, ok.consumer_count), (0, 1), 'passive declare (message_count, consumer_count)')
    # ack the first half one by one, the rest with multiple=True
    for m, _, _ in got[:n // 2]:
        ch.basic_ack(m.delivery_tag)
    ch.basic_ack(got[-1][0].delivery_tag, multiple=True)
    ch.basic_cancel(tag)
    conn.process_data_events(0.2)
    ok = ch.queue_declare(q, passive=True).method
    expect_eq((ok.message_count, ok.consumer_count), (0, 0), 'after ack+cancel (message_count, consumer_count)')
    # Closing a channel with unacked messages requeues them (redelivered=True).
    ch2 = conn.channel()
    ch2.basic_publish('', q, b'unacked')
    tag2, got2 = _consume_n(conn, ch2, q, 1)
    expect_eq(len(got2), 1, 'delivery on second channel')
    ch2.close()
    conn.process_data_events(0.2)
    m, p, b = ch.basic_get(q, auto_ack=True)
    expect(m is not None, 'message unacked on a closed channel was not requeued')
    expect_eq((b, m.redelivered), (b'unacked', True), 'requeued after channel close (body, redelivered)')
    return {'consumer_tag': tag}


def check_nack_requeue(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    ch.queue_declare(q)
    ch.basic_publish('', q, b'retry-me', pika.BasicProperties(message_id='r1', headers={'h': 1}))
    conn.process_data_events(0.1)
    m, p, b = None, None, None
    deadline = time.time() + 10
    while m is None and time.time() < deadline:
        m, p, b = ch.basic_get(q)
    expect(m is not None, 'no message')
    expect_eq(m.redelivered, False, 'first get redelivered')
    ch.basic_nack(m.delivery_tag, requeue=True)
    m2, p2, b2 = ch.basic_get(q)
    expect(m2 is not None, 'nacked message was not requeued')
    expect_eq((b2, m2.redelivered, p2.message_id, p2.headers), (b'retry-me', True, 'r1', {'h': 1}),
              'requeued (body, redelivered, message_id, headers)')
    expect(m2.delivery_tag > m.delivery_tag, 'delivery tags keep increasing on a channel')
    ch.basic_ack(m2.delivery_tag)
    # multiple nack requeues all outstanding messages, original order preserved
    for body in (b'a', b'b', b'c'):
        ch.basic_publish('', q, body)
    conn.process_data_events(0.1)
    tags = []
    for _ in range(3):
        mm = None
        deadline = time.time() + 10
        while mm is None and time.time() < deadline:
            mm, _, _ = ch.basic_get(q)
        expect(mm is not None, 'missing message for multiple nack')
        tags.append(mm.delivery_tag)
    ch.basic_nack(tags[-1], multiple=True, requeue=True)
    again = []
    for _ in range(3):
        mm, _, bb = ch.basic_get(q, auto_ack=True)
        expect(mm is not None, 'multiple nack did not requeue all messages')
        again.append((bb, mm.redelivered))
    expect_eq(again, [(b'a', True), (b'b', True), (b'c', True)], 'after multiple nack (body, redelivered)')
    # nack requeue redelivers to a consumer too
    ch.basic_publish('', q, b'consumer-retry')
    seen = []

    def on_message(chan, method, properties, body):
        seen.append((body, method.redelivered))
        if not method.redelivered:
            chan.basic_nack(method.delivery_tag, requeue=True)
        else:
            chan.basic_ack(method.delivery_tag)

    ch.basic_consume(q, on_message)
    deadline = time.time() + 10
    while len(seen) < 2 and time.time() < deadline:
        conn.process_data_events(0.05)
    expect_eq(seen, [(b'consumer-retry', False), (b'consumer-retry', True)], 'consumer nack/redelivery')
    return {}


def check_reject(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    ch.queue_declare(q)
    ch.basic_publish('', q, b'poison')
    ch.basic_publish('', q, b'requeue-me')
    conn.process_data_events(0.1)
    m, _, b = ch.basic_get(q)
    expect(m is not None and b == b'poison', 'first message')
    ch.basic_reject(m.delivery_tag, requeue=False)
    m, _, b = ch.basic_get(q)
    expect(m is not None and b == b'requeue-me', 'second message')
    ch.basic_reject(m.delivery_tag, requeue=True)
    m, _, b = ch.basic_get(q)
    expect(m is not None, 'message rejected with requeue=True is gone')
    expect_eq((b, m.redelivered, m.message_count), (b'requeue-me', True, 0),
              'after reject requeue (body, redelivered, message_count)')
    ch.basic_ack(m.delivery_tag)
    ok = ch.queue_declare(q, passive=True).method
    expect_eq(ok.message_count, 0, 'message rejected without requeue must be discarded')
    expect_eq(ch.basic_get(q), (None, None, None), 'queue empty')
    return {}


def check_basic_cancel(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    ch.queue_declare(q)
    ch.basic_publish('', q, b'before')
    tag, got = _consume_n(conn, ch, q, 1)
    expect_eq([b for _, _, b in got], [b'before'], 'delivery before cancel')
    expect_eq(ch.queue_declare(q, passive=True).method.consumer_count, 1, 'consumer_count while consuming')
    ch.basic_ack(got[0][0].delivery_tag)
    ch.basic_cancel(tag)
    expect_eq(ch.consumer_tags, [], 'pika consumer tags after cancel')
    ch.basic_publish('', q, b'after-1')
    ch.basic_publish('', q, b'after-2')
    conn.process_data_events(0.5)
    expect_eq(len(got), 1, 'no deliveries after basic_cancel')
    ok = ch.queue_declare(q, passive=True).method
    expect_eq((ok.message_count, ok.consumer_count), (2, 0), 'after cancel (message_count, consumer_count)')
    # Explicit consumer tag echoed back by the broker.
    mine = []
    tag2 = ch.basic_consume(q, lambda c, m, p, b: mine.append(m.consumer_tag), auto_ack=True,
                            consumer_tag='my-explicit-tag')
    expect_eq(tag2, 'my-explicit-tag', 'explicit consumer tag')
    deadline = time.time() + 10
    while len(mine) < 2 and time.time() < deadline:
        conn.process_data_events(0.05)
    expect_eq(mine, ['my-explicit-tag', 'my-explicit-tag'], 'deliveries carry the explicit tag')
    ch.basic_cancel(tag2)
    # Broker-initiated cancel (consumer_cancel_notify): deleting the queue cancels its consumers.
    cancelled = []
    ch.add_on_cancel_callback(lambda frame: cancelled.append(frame.method.consumer_tag))
    tag3 = ch.basic_consume(q, lambda *a: None, consumer_tag='to-be-cancelled')
    other = conn.channel()
    other.queue_delete(q)
    deadline = time.time() + 10
    while not cancelled and time.time() < deadline:
        conn.process_data_events(0.05)
    expect_eq(cancelled, [tag3], 'broker-sent basic.cancel after queue deletion')
    expect(ch.is_open, 'channel should stay open after a broker-sent cancel')
    # auto_delete queue disappears when its last consumer is cancelled
    ad = ctx.name('autodelete')
    ch.queue_declare(ad, auto_delete=True)
    t = ch.basic_consume(ad, lambda *a: None)
    ch.basic_cancel(t)
    conn.process_data_events(0.3)
    try:
        conn.channel().queue_declare(ad, passive=True)
        raise CheckFailed('auto_delete queue still exists after its only consumer was cancelled')
    except pika.exceptions.ChannelClosedByBroker as e:
        expect_eq(e.reply_code, 404, 'passive declare of deleted auto_delete queue')
    return {}


def check_exclusive_queue(ctx):
    owner = ctx.connect()
    other = ctx.connect()
    q = ctx.name('excl')
    och = owner.channel()
    och.queue_declare(q, exclusive=True)
    # The owner can use it from any of its channels.
    och2 = owner.channel()
    och2.queue_declare(q, passive=True)
    och2.basic_publish('', q, b'mine')
    owner.process_data_events(0.1)
    m, _, b = och2.basic_get(q, auto_ack=True)
    expect_eq(b, b'mine', 'owner can get from its exclusive queue')
    locked = shortstr("RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '%s' in vhost '/'. "
              "It could be originally declared on another connection or the exclusive property value "
              "does not match that of the original declaration." % q)
    observed = {}
    for label, fn in (
        ('passive_declare', lambda c: c.queue_declare(q, passive=True)),
        ('declare', lambda c: c.queue_declare(q, exclusive=True)),
        ('consume', lambda c: c.basic_consume(q, lambda *a: None)),
        ('get', lambda c: c.basic_get(q)),
    ):
        c = other.channel()
        try:
            fn(c)
            raise CheckFailed('%s of another connection\'s exclusive queue succeeded' % label)
        except pika.exceptions.ChannelClosedByBroker as e:
            expect_eq((e.reply_code, e.reply_text), (405, locked), label)
            observed[label] = [e.reply_code, e.reply_text]
    expect(other.is_open, 'RESOURCE_LOCKED must only close the channel')
    owner.close()
    # Exclusive queues are deleted when the declaring connection closes.
    deadline = time.time() + 10
    while True:
        try:
            other.channel().queue_declare(q, passive=True)
        except pika.exceptions.ChannelClosedByBroker as e:
            expect_eq((e.reply_code, e.reply_text), (404, "NOT_FOUND - no queue '%s' in vhost '/'" % q),
                      'exclusive queue after owner closed')
            break
        if time.time() > deadline:
            raise CheckFailed('exclusive queue survived its connection')
        time.sleep(0.1)
    return {'locked': observed}


CHECKS = {
    'connect': check_connect,
    'declare_bind': check_declare_bind,
    'properties_roundtrip': check_properties_roundtrip,
    'large_body': check_large_body,
    'consume_manual_ack': check_consume_manual_ack,
    'nack_requeue': check_nack_requeue,
    'reject': check_reject,
    'basic_cancel': check_basic_cancel,
    'exclusive_queue': check_exclusive_queue,
}

if __name__ == '__main__':
    run('pika_basic', CHECKS)
