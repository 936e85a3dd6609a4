#!/usr/bin/python3
"""pika interoperability: publisher confirms, mandatory returns, transactions, QoS/prefetch,
basic.recover, heartbeats. See pika_common.py for the protocol of this script."""
import time

import pika
import pika.exceptions

from pika_common import CheckFailed, delete_later, expect, expect_channel_closed, expect_eq, run


def _wait_count(conn, ch, q, n, timeout=10):
    deadline = time.time() + timeout
    count = ch.queue_declare(q, passive=True).method.message_count
    while count != n and time.time() < deadline:
        conn.process_data_events(0.05)
        count = ch.queue_declare(q, passive=True).method.message_count
    return count


def check_confirm_publish(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ch.queue_declare('', exclusive=True).method.queue
    ch.confirm_delivery()
    ch.confirm_delivery()  # confirm.select is idempotent
    for i in range(10):
        # pika 1.x: returns None when the broker acks; raises NackError/UnroutableError otherwise
        expect_eq(ch.basic_publish('', q, b'c%d' % i), None, 'confirmed publish result')
    expect_eq(_wait_count(conn, ch, q, 10), 10, 'messages in queue after confirmed publishes')
    # Not mandatory: an unroutable message is simply confirmed (acked) and dropped.
    ch.basic_publish('amq.direct', 'no-binding-for-this-key', b'dropped')
    ch.basic_publish('', q, b'mandatory-and-routable', mandatory=True)
    expect_eq(_wait_count(conn, ch, q, 11), 11, 'messages after mandatory routable publish')
    return {}


def check_confirm_unroutable(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    ch.confirm_delivery()
    missing = ctx.name('no-such-queue')
    props = pika.BasicProperties(message_id='m-1', headers={'k': 'v'}, content_type='text/plain')
    try:
        ch.basic_publish('', missing, b'bounce', props, mandatory=True)
        raise CheckFailed('mandatory unroutable publish did not raise UnroutableError')
    except pika.exceptions.UnroutableError as e:
        expect_eq(len(e.messages), 1, 'returned messages')
        r = e.messages[0]
        got = (r.method.reply_code, r.method.reply_text, r.method.exchange, r.method.routing_key, r.body)
        expect_eq(got, (312, 'NO_ROUTE', '', missing, b'bounce'),
                  'basic.return (reply_code, reply_text, exchange, routing_key, body)')
        expect_eq((r.properties.message_id, r.properties.headers, r.properties.content_type),
                  ('m-1', {'k': 'v'}, 'text/plain'), 'returned properties')
    try:
        ch.basic_publish('amq.direct', 'unbound-key', b'bounce-2', mandatory=True)
        raise CheckFailed('mandatory unroutable publish to amq.direct did not raise UnroutableError')
    except pika.exceptions.UnroutableError as e:
        r = e.messages[0]
        expect_eq((r.method.reply_code, r.method.reply_text, r.method.exchange, r.method.routing_key),
                  (312, 'NO_ROUTE', 'amq.direct', 'unbound-key'), 'second basic.return')
    expect(ch.is_open, 'channel stays open after returns')
    # Publishing to a missing exchange in confirm mode closes the channel with 404.
    x = ctx.name('missing-x')
    got = expect_channel_closed(lambda: ch.basic_publish(x, 'k', b'x'), 404,
                                "NOT_FOUND - no exchange '%s' in vhost '/'" % x)
    return {'missing_exchange': got}


def check_return_without_confirms(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    returned = []
    ch.add_on_return_callback(lambda c, method, props, body: returned.append(
        (method.reply_code, method.reply_text, method.exchange, method.routing_key, body)))
    missing = ctx.name('no-such-queue')
    ch.basic_publish('', missing, b'back-to-sender', mandatory=True)
    deadline = time.time() + 10
    while not returned and time.time() < deadline:
        conn.process_data_events(0.05)
    expect_eq(returned, [(312, 'NO_ROUTE', '', missing, b'back-to-sender')], 'basic.return')
    return {}


def check_tx(ctx):
    conn = ctx.connect()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    observer = conn.channel()
    observer.queue_declare(q)
    ch = conn.channel()
    ch.tx_select()
    ch.tx_select()  # idempotent
    ch.basic_publish('', q, b'rolled-back-1')
    ch.basic_publish('', q, b'rolled-back-2')
    conn.process_data_events(0.2)
    expect_eq(observer.queue_declare(q, passive=True).method.message_count, 0, 'uncommitted publishes invisible')
    ch.tx_rollback()
    expect_eq(observer.queue_declare(q, passive=True).method.message_count, 0, 'after rollback')
    ch.basic_publish('', q, b'committed-1')
    ch.basic_publish('', q, b'committed-2')
    ch.tx_commit()
    expect_eq(observer.queue_declare(q, passive=True).method.message_count, 2, 'after commit')
    # Acks are transactional too.
    m, _, b = ch.basic_get(q)
    expect(m is not None and b == b'committed-1', 'get in tx')
    ch.basic_ack(m.delivery_tag)
    ch.tx_rollback()  # the ack is discarded; the message stays unacked on this channel
    expect_eq(observer.queue_declare(q, passive=True).method.message_count, 1, 'ready count after rolled-back ack')
    ch.basic_ack(m.delivery_tag)
    ch.tx_commit()
    m2, _, b2 = ch.basic_get(q)
    expect(m2 is not None and b2 == b'committed-2', 'second get in tx')
    ch.basic_ack(m2.delivery_tag)
    ch.tx_commit()
    ch.close()
    conn.process_data_events(0.2)
    expect_eq(observer.queue_declare(q, passive=True).method.message_count, 0,
              'committed acks removed both messages (nothing requeued on channel close)')
    return {}


def check_tx_errors(ctx):
    conn = ctx.connect()
    out = {}
    ch = conn.channel()
    out['commit_without_select'] = expect_channel_closed(
        ch.tx_commit, 406, 'PRECONDITION_FAILED - channel is not transactional')
    ch = conn.channel()
    out['rollback_without_select'] = expect_channel_closed(
        ch.tx_rollback, 406, 'PRECONDITION_FAILED - channel is not transactional')
    ch = conn.channel()
    ch.confirm_delivery()
    out['confirm_then_tx'] = expect_channel_closed(
        ch.tx_select, 406, 'PRECONDITION_FAILED - cannot switch from confirm to tx mode')
    ch = conn.channel()
    ch.tx_select()
    out['tx_then_confirm'] = expect_channel_closed(
        ch.confirm_delivery, 406, 'PRECONDITION_FAILED - cannot switch from tx to confirm mode')
    return out


def check_qos_prefetch(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ctx.name('q')
    delete_later(ctx, queues=[q])
    ch.queue_declare(q)
    for i in range(6):
        ch.basic_publish('', q, b'p%d' % i)
    expect_eq(_wait_count(conn, ch, q, 6), 6, 'published')
    ch.basic_qos(prefetch_count=2)
    got = []
    tag = ch.basic_consume(q, lambda c, m, p, b: got.append((m.delivery_tag, b)))
    deadline = time.time() + 10
    while len(got) < 2 and time.time() < deadline:
        conn.process_data_events(0.05)
    conn.process_data_events(0.5)  # give a broker that ignores prefetch time to over-deliver
    expect_eq([b for _, b in got], [b'p0', b'p1'], 'deliveries with prefetch_count=2 and nothing acked')
    ch.basic_ack(got[0][0])
    deadline = time.time() + 10
    while len(got) < 3 and time.time() < deadline:
        conn.process_data_events(0.05)
    conn.process_data_events(0.3)
    expect_eq([b for _, b in got], [b'p0', b'p1', b'p2'], 'one more delivery after one ack')
    ch.basic_ack(got[2][0], multiple=True)  # acks p1 and p2
    deadline = time.time() + 10
    while len(got) < 5 and time.time() < deadline:
        conn.process_data_events(0.05)
    conn.process_data_events(0.3)
    expect_eq([b for _, b in got], [b'p0', b'p1', b'p2', b'p3', b'p4'], 'two more after multiple ack')
    # basic.qos (global=false) only applies to consumers created afterwards: the existing
    # consumer keeps its limit of 2 (p3 and p4 are still unacked).
    ch.basic_qos(prefetch_count=0)
    for i in range(6, 10):
        ch.basic_publish('', q, b'p%d' % i)
    conn.process_data_events(0.5)
    expect_eq(len(got), 5, 'existing consumer keeps prefetch_count=2 after basic.qos(0)')
    ch.basic_ack(got[-1][0], multiple=True)
    ch.basic_cancel(tag)
    # Acking p3 and p4 made room for two more deliveries before the cancel; those stay unacked.
    conn.process_data_events(0.2)
    before_new = len(got)
    # A new consumer gets prefetch_count=0 (unlimited): everything left arrives without acks.
    got2 = []
    ch.basic_consume(q, lambda c, m, p, b: got2.append((m.delivery_tag, b)))
    deadline = time.time() + 10
    while before_new - 5 + len(got2) < 5 and time.time() < deadline:
        conn.process_data_events(0.05)
    conn.process_data_events(0.2)
    expect_eq(sorted(b for _, b in got[5:] + got2), [b'p%d' % i for i in range(5, 10)],
              'remaining messages across the old and the new (unlimited) consumer')
    expect_eq(len(got2), 5 - (before_new - 5), 'new consumer receives the rest without acking')
    ch.basic_qos(prefetch_count=5, global_qos=True)  # accepted
    return {}


def check_qos_errors(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    try:
        ch.basic_qos(prefetch_size=1000)
        raise CheckFailed('basic.qos with prefetch_size != 0 succeeded')
    except pika.exceptions.ConnectionClosedByBroker as e:
        expect_eq((e.reply_code, e.reply_text), (540, 'NOT_IMPLEMENTED - prefetch_size!=0 (1000)'),
                  'prefetch_size is a connection error')
        return {'reply_code': e.reply_code, 'reply_text': e.reply_text}


def check_recover(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    q = ch.queue_declare('', exclusive=True).method.queue
    ch.basic_publish('', q, b'recover-me')
    conn.process_data_events(0.1)
    m = None
    deadline = time.time() + 10
    while m is None and time.time() < deadline:
        m, _, _ = ch.basic_get(q)
    expect(m is not None, 'message')
    ch.basic_recover(requeue=True)
    m2, _, b2 = ch.basic_get(q, auto_ack=True)
    expect(m2 is not None, 'basic.recover(requeue=True) did not requeue the unacked message')
    expect_eq((b2, m2.redelivered), (b'recover-me', True), 'after recover (body, redelivered)')
    try:
        ch.basic_recover(requeue=False)
        raise CheckFailed('basic.recover(requeue=False) succeeded')
    except pika.exceptions.ConnectionClosedByBroker as e:
        expect_eq((e.reply_code, e.reply_text), (540, 'NOT_IMPLEMENTED - requeue=false'), 'recover requeue=false')
    return {}


def check_heartbeat(ctx):
    conn = ctx.connect(heartbeat=5)
    negotiated = conn._impl.params.heartbeat
    expect_eq(negotiated, 5, 'negotiated heartbeat')
    checker = conn._impl._heartbeat_checker
    expect(checker is not None, 'pika did not start heartbeating')
    # Idle for 12 s: pika closes the connection if nothing arrives within heartbeat+5 = 10 s,
    # so this only passes if the broker sends heartbeats; the broker must also accept ours.
    deadline = time.time() + 12
    while time.time() < deadline:
        conn.process_data_events(time_limit=1)
        expect(conn.is_open, 'connection closed while idle (heartbeats missing?)')
    received = checker._heartbeat_frames_received
    sent = checker._heartbeat_frames_sent
    expect(received >= 2, 'expected at least 2 broker heartbeats in 12 s, got %d' % received)
    ch = conn.channel()
    ch.queue_declare('', exclusive=True)
    conn.close()
    return {'negotiated': negotiated, 'heartbeats_received': received, 'heartbeats_sent': sent}


def check_heartbeat_disabled(ctx):
    conn = ctx.connect(heartbeat=0)
    expect_eq(conn._impl.params.heartbeat, 0, 'negotiated heartbeat when client asks for 0')
    expect(conn._impl._heartbeat_checker is None, 'pika heartbeat checker should be off')
    conn.channel().queue_declare('', exclusive=True)
    return {}


CHECKS = {
    'confirm_publish': check_confirm_publish,
    'confirm_unroutable': check_confirm_unroutable,
    'return_without_confirms': check_return_without_confirms,
    'tx': check_tx,
    'tx_errors': check_tx_errors,
    'qos_prefetch': check_qos_prefetch,
    'qos_errors': check_qos_errors,
    'recover': check_recover,
    'heartbeat_disabled': check_heartbeat_disabled,
    'heartbeat': check_heartbeat,
}

if __name__ == '__main__':
    run('pika_flow', CHECKS)
