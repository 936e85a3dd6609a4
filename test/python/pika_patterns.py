#!/usr/bin/python3
"""pika interoperability: messaging patterns (pub/sub, topic routing, RPC with a reply queue,
RPC with direct reply-to). See pika_common.py for the protocol of this script."""
import time
import uuid

import pika

from pika_common import delete_later, expect, expect_eq, run


def _drain(conn, ch, q, expected, timeout=10):
    got = []
    deadline = time.time() + timeout
    while len(got) < expected and time.time() < deadline:
        m, _, b = ch.basic_get(q, auto_ack=True)
        if m is None:
            conn.process_data_events(0.05)
        else:
            got.append(b)
    conn.process_data_events(0.2)
    while True:  # anything extra is a routing bug
        m, _, b = ch.basic_get(q, auto_ack=True)
        if m is None:
            break
        got.append(b)
    return got


def check_fanout(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.name('logs')
    delete_later(ctx, exchanges=[x])
    ch.exchange_declare(x, 'fanout')
    queues = []
    for i in range(3):
        q = ch.queue_declare('', exclusive=True).method.queue
        ch.queue_bind(q, x)
        queues.append(q)
    for i in range(5):
        ch.basic_publish(x, 'any-key-%d' % i, b'log-%d' % i)
    for q in queues:
        expect_eq(_drain(conn, ch, q, 5), [b'log-%d' % i for i in range(5)], 'subscriber %s' % q)
    return {}


def check_topic(ctx):
    conn = ctx.connect()
    ch = conn.channel()
    x = ctx.name('topic')
    delete_later(ctx, exchanges=[x])
    ch.exchange_declare(x, 'topic')
    patterns = {'star': '*.orange.*', 'rabbit': '*.*.rabbit', 'lazy': 'lazy.#'}
    qs = {}
    for label, pattern in patterns.items():
        qs[label] = ch.queue_declare('', exclusive=True).method.queue
        ch.queue_bind(qs[label], x, pattern)
    ch.queue_bind(qs['rabbit'], x, 'lazy.#')  # two matching bindings must deliver once
    keys = ['quick.orange.rabbit', 'lazy.orange.elephant', 'quick.orange.fox', 'lazy.brown.fox',
            'lazy.pink.rabbit', 'quick.brown.fox', 'orange', 'quick.orange.male.rabbit', 'lazy.orange.male.rabbit',
            'lazy']
    for k in keys:
        ch.basic_publish(x, k, k.encode())
    expect_eq(_drain(conn, ch, qs['star'], 3), [b'quick.orange.rabbit', b'lazy.orange.elephant', b'quick.orange.fox'],
              '*.orange.*')
    expect_eq(_drain(conn, ch, qs['rabbit'], 6),
              [b'quick.orange.rabbit', b'lazy.orange.elephant', b'lazy.brown.fox', b'lazy.pink.rabbit',
               b'lazy.orange.male.rabbit', b'lazy'], '*.*.rabbit + lazy.#')
    expect_eq(_drain(conn, ch, qs['lazy'], 5),
              [b'lazy.orange.elephant', b'lazy.brown.fox', b'lazy.pink.rabbit', b'lazy.orange.male.rabbit', b'lazy'],
              'lazy.#')
    return {}


def check_rpc_reply_queue(ctx):
    server_conn = ctx.connect()
    client_conn = ctx.connect()
    rpc_q = ctx.name('rpc')
    delete_later(ctx, queues=[rpc_q])
    sch = server_conn.channel()
    sch.queue_declare(rpc_q)
    sch.basic_qos(prefetch_count=1)

    def on_request(c, method, props, body):
        c.basic_publish('', props.reply_to, b'reply:' + body,
                        pika.BasicProperties(correlation_id=props.correlation_id))
        c.basic_ack(method.delivery_tag)

    sch.basic_consume(rpc_q, on_request)
    cch = client_conn.channel()
    reply_q = cch.queue_declare('', exclusive=True).method.queue
    expect(reply_q.startswith('amq.gen-'), 'server-named reply queue %r' % reply_q)
    replies = {}
    cch.basic_consume(reply_q, lambda c, m, p, b: replies.__setitem__(p.correlation_id, b), auto_ack=True)
    sent = {}
    for i in range(5):
        cid = str(uuid.uuid4())
        sent[cid] = b'req-%d' % i
        cch.basic_publish('', rpc_q, sent[cid], pika.BasicProperties(reply_to=reply_q, correlation_id=cid))
    deadline = time.time() + 10
    while len(replies) < 5 and time.time() < deadline:
        server_conn.process_data_events(0.02)
        client_conn.process_data_events(0.02)
    expect_eq(replies, dict((cid, b'reply:' + body) for cid, body in sent.items()), 'replies by correlation id')
    return {'reply_queue': reply_q}


def check_rpc_direct_reply_to(ctx):
    server_conn = ctx.connect()
    client_conn = ctx.connect()
    rpc_q = ctx.name('rpc')
    delete_later(ctx, queues=[rpc_q])
    sch = server_conn.channel()
    sch.queue_declare(rpc_q)
    seen_reply_to = []

    def on_request(c, method, props, body):
        seen_reply_to.append(props.reply_to)
        c.basic_publish('', props.reply_to, body.upper(), pika.BasicProperties(correlation_id=props.correlation_id))
        c.basic_ack(method.delivery_tag)

    sch.basic_consume(rpc_q, on_request)
    cch = client_conn.channel()
    replies = []
    # Direct reply-to: consume (no-ack) from the pseudo-queue, then publish on the same channel.
    cch.basic_consume('amq.rabbitmq.reply-to', lambda c, m, p, b: replies.append((p.correlation_id, b)),
                      auto_ack=True)
    for i in range(3):
        cch.basic_publish('', rpc_q, b'ping-%d' % i,
                          pika.BasicProperties(reply_to='amq.rabbitmq.reply-to', correlation_id='c%d' % i))
    deadline = time.time() + 10
    while len(replies) < 3 and time.time() < deadline:
        server_conn.process_data_events(0.02)
        client_conn.process_data_events(0.02)
    expect_eq(sorted(replies), [('c0', b'PING-0'), ('c1', b'PING-1'), ('c2', b'PING-2')], 'direct replies')
    expect(all(r.startswith('amq.rabbitmq.reply-to.') for r in seen_reply_to),
           'server sees a rewritten reply_to, got %r' % seen_reply_to)
    expect_eq(len(set(seen_reply_to)), 1, 'one reply-to address per channel')
    return {'reply_to_example': seen_reply_to[0][:40]}


CHECKS = {
    'fanout': check_fanout,
    'topic': check_topic,
    'rpc_reply_queue': check_rpc_reply_queue,
    'rpc_direct_reply_to': check_rpc_direct_reply_to,
}

if __name__ == '__main__':
    run('pika_patterns', CHECKS)
