"""kombu against the queue features Celery deployments configure through x-arguments: priorities on a
classic queue, message TTL with dead-lettering ('expired'), and x-max-length overflow with dead-lettering
('maxlen'). Harness and output format: kombu_common.py."""
import json
import socket
import time

import amqp

from kombu import Consumer, Producer

from kombu_common import (expect_empty, expect_eq, expect_x_death, get_eventually, run)


def dead_letter_pair(ctx, queue_arguments, dead_key='dead'):
    """A topic exchange 'tasks' with queue 'q' bound 'work.#' (queue_arguments plus a DLX), and 'dlq'."""
    tasks = ctx.exchange('tasks', 'topic', durable=True)
    dlx = ctx.exchange('dlx', 'direct', durable=True)
    args = {'x-dead-letter-exchange': dlx.name, 'x-dead-letter-routing-key': dead_key}
    args.update(queue_arguments)
    q = ctx.queue('q', tasks, 'work.#', durable=True, queue_arguments=args)
    dlq = ctx.queue('dlq', dlx, dead_key, durable=True)
    return tasks, dlx, q, dlq


def consume_all(conn, queue, count, timeout=10.0):
    """kombu Consumer with prefetch 1 and manual acks; returns the bodies in delivery order."""
    got = []

    def on_message(body, message):
        got.append((body, message.properties.get('priority')))
        message.ack()

    with Consumer(conn.default_channel, [queue], callbacks=[on_message], accept=['json']) as consumer:
        consumer.qos(prefetch_count=1)
        deadline = time.time() + timeout
        while len(got) < count and time.time() < deadline:
            try:
                conn.drain_events(timeout=0.5)
            except socket.timeout:
                pass
    return got


def check_priority_classic(ctx):
    """x-max-priority 10 on a classic queue: messages waiting in the queue are delivered highest priority
    first, FIFO within a priority; no priority counts as 0; priorities above the maximum count as the
    maximum, and the message keeps its original priority property."""
    conn = ctx.connect()
    tasks = ctx.exchange('tasks', 'topic', durable=True)
    q = ctx.queue('q', tasks, 'work.#', durable=True, queue_arguments={'x-max-priority': 10})
    q(conn.default_channel).declare()
    producer = Producer(conn.default_channel, exchange=tasks, serializer='json')
    published = [('low', 1), ('none', None), ('high', 10), ('over', 200), ('mid', 5), ('high2', 10)]
    for label, prio in published:
        if prio is None:
            # kombu's Producer always sends a priority (0 by default): publish this one without the
            # property at all, through py-amqp.
            conn.default_channel.basic_publish(
                amqp.Message(json.dumps({'label': label}), content_type='application/json'),
                exchange=tasks.name, routing_key='work.item')
        else:
            producer.publish({'label': label}, routing_key='work.item', priority=prio)
    got = consume_all(conn, q, len(published))
    order = [body['label'] for body, _ in got]
    expect_eq(order, ['high', 'over', 'high2', 'mid', 'low', 'none'], 'delivery order')
    priorities = {body['label']: prio for body, prio in got}
    expect_eq(priorities['over'], 200, 'priority property of the message above the maximum')
    expect_eq(priorities['none'], None, 'priority property of the message without one')
    return {'order': order, 'priorities': priorities}


def check_queue_ttl_dead_letter(ctx):
    """x-message-ttl 100 ms plus a DLX: the expired task lands in the DLQ with reason 'expired'."""
    conn = ctx.connect()
    tasks, dlx, q, dlq = dead_letter_pair(ctx, {'x-message-ttl': 100})
    for b in (q, dlq):
        b(conn.default_channel).declare()
    Producer(conn.default_channel, exchange=tasks, serializer='json').publish(
        {'task': 'late'}, routing_key='work.slow', headers={'task': 'tasks.late'}, delivery_mode=2)
    dead = get_eventually(conn.default_channel, dlq)
    view = expect_x_death(dead.headers, count=1, reason='expired', queue=q.name, exchange=tasks.name,
                          routing_keys=['work.slow'])
    expect_eq(dead.payload, {'task': 'late'}, 'body')
    expect_eq(dead.headers.get('task'), 'tasks.late', 'original header kept')
    expect_eq(dead.delivery_info['routing_key'], 'dead', 'dead-letter routing key')
    expect_eq('expiration' in dead.properties, False, 'expiration property on the dead-lettered message')
    expect_empty(conn.default_channel, q)
    return view


def check_message_expiration_dead_letter(ctx):
    """A per-message expiration (kombu's expiration=0.1 sends '100'): reason 'expired', and x-death gains
    'original-expiration' while the dead-lettered copy loses its expiration property."""
    conn = ctx.connect()
    tasks, dlx, q, dlq = dead_letter_pair(ctx, {})
    for b in (q, dlq):
        b(conn.default_channel).declare()
    Producer(conn.default_channel, exchange=tasks, serializer='json').publish(
        {'task': 'countdown'}, routing_key='work.timer', expiration=0.1)
    dead = get_eventually(conn.default_channel, dlq)
    view = expect_x_death(dead.headers, count=1, reason='expired', queue=q.name, exchange=tasks.name,
                          routing_keys=['work.timer'], original_expiration='100')
    expect_eq('expiration' in dead.properties, False, 'expiration property on the dead-lettered message')
    expect_empty(conn.default_channel, q)
    return view


def check_max_length_drop_head(ctx):
    """x-max-length 2 with x-overflow drop-head: publishing 4 tasks dead-letters the 2 oldest, in order,
    with reason 'maxlen'; the 2 newest stay in the queue."""
    conn = ctx.connect()
    tasks, dlx, q, dlq = dead_letter_pair(ctx, {'x-max-length': 2, 'x-overflow': 'drop-head'})
    for b in (q, dlq):
        b(conn.default_channel).declare()
    producer = Producer(conn.default_channel, exchange=tasks, serializer='json')
    for n in range(1, 5):
        producer.publish({'n': n}, routing_key='work.n%d' % n)
    first = get_eventually(conn.default_channel, dlq)
    second = get_eventually(conn.default_channel, dlq)
    expect_eq([first.payload['n'], second.payload['n']], [1, 2], 'dead-lettered (oldest first)')
    view1 = expect_x_death(first.headers, count=1, reason='maxlen', queue=q.name, exchange=tasks.name,
                           routing_keys=['work.n1'])
    expect_x_death(second.headers, count=1, reason='maxlen', queue=q.name, exchange=tasks.name,
                   routing_keys=['work.n2'])
    kept = [body['n'] for body, _ in consume_all(conn, q, 2)]
    expect_eq(kept, [3, 4], 'messages left in the queue')
    expect_empty(conn.default_channel, dlq)
    return dict(view1, kept=kept)


def check_max_length_reject_publish_dlx(ctx):
    """x-overflow reject-publish-dlx: the queue keeps the oldest 2, and the refused newer publishes are
    dead-lettered with reason 'maxlen'."""
    conn = ctx.connect()
    tasks, dlx, q, dlq = dead_letter_pair(ctx, {'x-max-length': 2, 'x-overflow': 'reject-publish-dlx'})
    for b in (q, dlq):
        b(conn.default_channel).declare()
    producer = Producer(conn.default_channel, exchange=tasks, serializer='json')
    for n in range(1, 5):
        producer.publish({'n': n}, routing_key='work.n%d' % n)
    first = get_eventually(conn.default_channel, dlq)
    second = get_eventually(conn.default_channel, dlq)
    expect_eq([first.payload['n'], second.payload['n']], [3, 4], 'dead-lettered (the refused ones)')
    view = expect_x_death(first.headers, count=1, reason='maxlen', queue=q.name, exchange=tasks.name,
                          routing_keys=['work.n3'])
    kept = [body['n'] for body, _ in consume_all(conn, q, 2)]
    expect_eq(kept, [1, 2], 'messages left in the queue')
    return dict(view, kept=kept)


CHECKS = {
    'priority_classic': check_priority_classic,
    'queue_ttl_dead_letter': check_queue_ttl_dead_letter,
    'message_expiration_dead_letter': check_message_expiration_dead_letter,
    'max_length_drop_head': check_max_length_drop_head,
    'max_length_reject_publish_dlx': check_max_length_reject_publish_dlx,
}

if __name__ == '__main__':
    run('kombu_features.py', CHECKS)
