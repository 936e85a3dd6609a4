"""kombu against the Celery-style topology Warren's users run (see kombu_common.py for the harness).

Topology (every name is prefixed with NAME_PREFIX.<check> so runs never collide):
  tasks  topic exchange      q.ai    quorum, bound 'ai.#'     dead-letters to dlx 'dead.ai'
  dlx    direct exchange     q.batch classic, bound 'batch.#' dead-letters to dlx 'dead.batch'
                             q.api   classic, bound 'api.#'   dead-letters to dlx 'dead.api'
                             q.sched classic, bound 'sched.#' dead-letters to dlx 'dead.sched'
                             q.dlq   classic, bound to dlx with dead.ai/.batch/.api/.sched
"""
import socket
import time

import amqp.exceptions
from kombu import Consumer, Producer, Queue, binding

from kombu_common import (CheckFailed, expect, expect_empty, expect_eq, expect_x_death, get_eventually,
                          passive_exists, run)

WORK_QUEUES = ('ai', 'batch', 'api', 'sched')


def dead_letter_args(ctx, short):
    return {'x-dead-letter-exchange': ctx.name('dlx'), 'x-dead-letter-routing-key': 'dead.%s' % short}


def topology(ctx, ai_arguments=None):
    """The exchanges and queues, as kombu Queue objects (not declared yet)."""
    tasks = ctx.exchange('tasks', 'topic', durable=True)
    dlx = ctx.exchange('dlx', 'direct', durable=True)
    queues = {}
    for short in WORK_QUEUES:
        args = dead_letter_args(ctx, short)
        if short == 'ai':
            args['x-queue-type'] = 'quorum'
            args.update(ai_arguments or {})
        queues[short] = ctx.queue('q.%s' % short, tasks, '%s.#' % short, durable=True, queue_arguments=args)
    queues['dlq'] = ctx.queue('q.dlq', durable=True,
                              bindings=[binding(dlx, routing_key='dead.%s' % s) for s in WORK_QUEUES])
    return tasks, dlx, queues


def declare_all(channel, queues):
    # Queue.declare() declares the queue's exchange, the queue and its bindings, as Celery does.
    for q in queues.values():
        q(channel).declare()


def consume_one(conn, queue, handler, timeout=10.0):
    """Consumes from one queue with kombu's Consumer/drain_events until handler has run once."""
    seen = []

    def on_message(body, message):
        seen.append(body)
        handler(body, message)

    with Consumer(conn.default_channel, [queue], callbacks=[on_message], accept=['json']) as consumer:
        consumer.qos(prefetch_count=1)
        deadline = time.time() + timeout
        while not seen:
            try:
                conn.drain_events(timeout=max(0.1, deadline - time.time()))
            except socket.timeout:
                raise CheckFailed('no delivery from %s within %.0f s' % (queue.name, timeout))
    return seen[0]


def check_server_properties(ctx):
    conn = ctx.connect()
    props = conn.connection.server_properties
    caps = props.get('capabilities', {})
    for cap in ('publisher_confirms', 'basic.nack', 'consumer_cancel_notify', 'per_consumer_qos'):
        expect_eq(caps.get(cap), True, 'capability %s' % cap)
    # kombu decides from product/version whether basic.qos follows the spec; Celery's worker then sends
    # basic.qos with global=True when it does not (RabbitMQ >= 3.3), global=False otherwise.
    return {'product': props.get('product'), 'version': props.get('version'),
            'qos_semantics_matches_spec': conn.qos_semantics_matches_spec}


def check_declare_topology(ctx):
    conn = ctx.connect()
    tasks, dlx, queues = topology(ctx)
    declare_all(conn.default_channel, queues)
    # Celery re-declares its queues with identical arguments on every start: must be accepted.
    declare_all(conn.default_channel, queues)
    for q in queues.values():
        expect(passive_exists(conn, q.name), 'queue %s should exist' % q.name)

    producer = Producer(conn.default_channel, exchange=tasks, serializer='json')
    keys = {'ai': 'ai.infer.gpu', 'batch': 'batch.nightly', 'api': 'api.call', 'sched': 'sched.tick'}
    for short, rk in keys.items():
        producer.publish({'task': 'route', 'to': short}, routing_key=rk, delivery_mode=2)
    producer.publish({'task': 'route', 'to': 'nowhere'}, routing_key='unrouted.key')

    received = {}

    def make_handler(short):
        def handler(body, message):
            received.setdefault(short, []).append((body['to'], message.delivery_info['routing_key'],
                                                   message.delivery_info['exchange']))
            message.ack()
        return handler

    consumers = [Consumer(conn.default_channel, [queues[s]], callbacks=[make_handler(s)], accept=['json'])
                 for s in WORK_QUEUES]
    for c in consumers:
        c.consume()
    deadline = time.time() + 10
    while sum(len(v) for v in received.values()) < len(WORK_QUEUES) and time.time() < deadline:
        try:
            conn.drain_events(timeout=0.5)
        except socket.timeout:
            pass
    for c in consumers:
        c.cancel()
    for short, rk in keys.items():
        expect_eq(received.get(short), [(short, rk, tasks.name)], 'deliveries from q.%s' % short)
    for q in queues.values():
        expect_empty(conn.default_channel, q)
    return {'routed': {s: received[s][0][1] for s in WORK_QUEUES}}


def check_quorum_priority(ctx):
    """q.ai with x-queue-type quorum and x-max-priority 10. RabbitMQ 3.10 refuses that combination with
    406 (closing the channel, creating nothing); Warren deliberately accepts it and honours the priority."""
    conn = ctx.connect()
    product = ctx.product
    tasks, dlx, queues = topology(ctx, ai_arguments={'x-max-priority': 10})
    q_ai = queues['ai']
    if product == 'RabbitMQ':
        try:
            q_ai(conn.channel()).declare()
        except amqp.exceptions.PreconditionFailed as e:
            expect_eq(e.reply_code, 406, 'reply_code')
            expect_eq(e.reply_text, "PRECONDITION_FAILED - invalid arg 'x-max-priority' for queue '%s' "
                      "in vhost '/' of queue type rabbit_quorum_queue" % q_ai.name, 'reply_text')
            expect(not passive_exists(conn, q_ai.name), 'a refused queue must not exist')
            return {'product': product, 'accepted': False, 'reply_code': e.reply_code, 'reply_text': e.reply_text}
        raise CheckFailed('RabbitMQ accepted x-max-priority on a quorum queue')

    expect_eq(product, 'Warren', 'server product')
    declare_all(conn.default_channel, queues)
    # Redeclaring without the priority is inequivalent: the argument was kept, not ignored.
    try:
        Queue(q_ai.name, tasks, 'ai.#', durable=True,
               queue_arguments=dead_letter_args(ctx, 'ai') | {'x-queue-type': 'quorum'})(conn.channel()).declare()
        raise CheckFailed('redeclaring q.ai without x-max-priority should be refused as inequivalent')
    except amqp.exceptions.PreconditionFailed as e:
        expect_eq(e.reply_code, 406, 'inequivalent redeclare reply_code')
        inequivalent_text = e.reply_text
    producer = Producer(conn.default_channel, exchange=tasks, serializer='json')
    published = [('p1', 1), ('p9', 9), ('none', None), ('p5', 5), ('p10', 10)]
    for label, prio in published:
        kw = {} if prio is None else {'priority': prio}
        producer.publish({'label': label}, routing_key='ai.infer', **kw)
    order = []

    def on_message(body, message):
        order.append(body['label'])
        message.ack()

    with Consumer(conn.default_channel, [q_ai], callbacks=[on_message], accept=['json']) as consumer:
        consumer.qos(prefetch_count=1)
        deadline = time.time() + 10
        while len(order) < len(published) and time.time() < deadline:
            try:
                conn.drain_events(timeout=0.5)
            except socket.timeout:
                pass
    expect_eq(order, ['p10', 'p9', 'p5', 'p1', 'none'], 'delivery order')
    return {'product': product, 'accepted': True, 'order': order, 'inequivalent_text': inequivalent_text}


def reject_into_dlq(ctx, short, routing_key):
    conn = ctx.connect()
    tasks, dlx, queues = topology(ctx)
    declare_all(conn.default_channel, queues)
    producer = Producer(conn.default_channel, exchange=tasks, serializer='json')
    # Celery's task message protocol 2 carries the task name and id in headers.
    producer.publish({'args': [1, 0]}, routing_key=routing_key, delivery_mode=2, correlation_id='task-1',
                     headers={'task': 'tasks.divide', 'id': 'task-1'})

    def fail(body, message):
        message.reject(requeue=False)

    consume_one(conn, queues[short], fail)
    dead = get_eventually(conn.default_channel, queues['dlq'])
    view = expect_x_death(dead.headers, count=1, reason='rejected', queue=queues[short].name,
                          exchange=tasks.name, routing_keys=[routing_key])
    expect_eq(dead.payload, {'args': [1, 0]}, 'dead-lettered body')
    expect_eq(dead.headers.get('task'), 'tasks.divide', 'original headers are kept')
    expect_eq(dead.headers.get('id'), 'task-1', 'original headers are kept')
    expect_eq(dead.properties.get('correlation_id'), 'task-1', 'correlation_id is kept')
    expect_eq(dead.properties.get('delivery_mode'), 2, 'delivery_mode is kept')
    expect_eq(dead.delivery_info['exchange'], dlx.name, 'delivered from the dead-letter exchange')
    expect_eq(dead.delivery_info['routing_key'], 'dead.%s' % short, 'x-dead-letter-routing-key is used')
    expect_eq(dead.delivery_info['redelivered'], False, 'redelivered')
    expect_empty(conn.default_channel, queues[short])
    expect_empty(conn.default_channel, queues['dlq'])
    return dict(view, routing_key=dead.delivery_info['routing_key'], exchange=dead.delivery_info['exchange'])


def check_reject_to_dlq(ctx):
    return reject_into_dlq(ctx, 'batch', 'batch.nightly')


def check_reject_quorum_to_dlq(ctx):
    return reject_into_dlq(ctx, 'ai', 'ai.infer')


def check_reject_requeue_not_dead_lettered(ctx):
    conn = ctx.connect()
    tasks, dlx, queues = topology(ctx)
    declare_all(conn.default_channel, queues)
    Producer(conn.default_channel, exchange=tasks, serializer='json').publish({'n': 1}, routing_key='api.call')
    consume_one(conn, queues['api'], lambda body, m: m.reject(requeue=True))
    again = get_eventually(conn.default_channel, queues['api'])
    expect_eq(again.delivery_info['redelivered'], True, 'redelivered after reject(requeue=True)')
    expect('x-death' not in (again.headers or {}), 'a requeued message gets no x-death')
    expect_empty(conn.default_channel, queues['dlq'])
    return {}


def check_dead_letter_cycle_count(ctx):
    """A dead-lettered task re-published by hand (a 'retry from DLQ' tool) and rejected again: RabbitMQ
    updates the existing x-death entry for (queue, reason) to count 2 instead of adding one."""
    conn = ctx.connect()
    tasks, dlx, queues = topology(ctx)
    declare_all(conn.default_channel, queues)
    producer = Producer(conn.default_channel, exchange=tasks, serializer='json')
    producer.publish({'n': 1}, routing_key='sched.tick', headers={'task': 'tasks.tick'})
    reject = lambda body, m: m.reject(requeue=False)  # noqa: E731
    consume_one(conn, queues['sched'], reject)
    first = get_eventually(conn.default_channel, queues['dlq'])
    expect_x_death(first.headers, count=1, reason='rejected', queue=queues['sched'].name,
                   exchange=tasks.name, routing_keys=['sched.tick'])
    producer.publish({'n': 1}, routing_key='sched.tick', headers=dict(first.headers))
    consume_one(conn, queues['sched'], reject)
    second = get_eventually(conn.default_channel, queues['dlq'])
    view = expect_x_death(second.headers, count=2, reason='rejected', queue=queues['sched'].name,
                          exchange=tasks.name, routing_keys=['sched.tick'])
    return view


def check_quorum_global_qos(ctx):
    """basic.qos(global=True) followed by basic.consume on a quorum queue: RabbitMQ 3.10 closes the
    connection with 540 NOT_IMPLEMENTED. This is what a Celery 5.2 worker does against RabbitMQ >= 3.3
    (kombu's qos_semantics_matches_spec is False there), which is why Celery 5.2 cannot consume from
    quorum queues on RabbitMQ."""
    conn = ctx.connect()
    tasks, dlx, queues = topology(ctx)
    declare_all(conn.default_channel, queues)
    raw = conn.connection  # py-amqp's connection; kombu's would silently reconnect after the error
    ch = conn.channel()
    ch.basic_qos(0, 4, True)
    if ctx.product != 'RabbitMQ':
        # Warren honours global QoS on quorum queues (issue: "beyond RabbitMQ 3.x"): the consumer is
        # accepted and the channel-wide prefetch of 4 holds back the rest of 10 unacked messages.
        producer = conn.Producer(exchange=tasks)
        for i in range(10):
            producer.publish({'n': i}, routing_key='ai.infer', declare=[])
        got = []
        Consumer(ch, [queues['ai']], callbacks=[lambda b, m: got.append(b)]).consume()
        deadline = time.time() + 3
        while time.time() < deadline:
            try:
                conn.drain_events(timeout=0.3)
            except socket.timeout:
                pass
        expect_eq(len(got), 4, 'deliveries held to the global prefetch of 4')
        return {'accepted': True, 'delivered': len(got)}
    try:
        Consumer(ch, [queues['ai']], callbacks=[lambda b, m: None]).consume()
        conn.drain_events(timeout=1)
    except socket.timeout:
        raise CheckFailed('basic.consume with global QoS on a quorum queue was accepted')
    except amqp.exceptions.AMQPNotImplementedError as e:
        expect_eq(e.reply_code, 540, 'reply_code')
        expect_eq(e.reply_text, "NOT_IMPLEMENTED - queue '%s' in vhost '/' does not support global qos"
                  % queues['ai'].name, 'reply_text')
        expect_eq(e.method_name, 'Basic.consume', 'failing method')
        # 540 is a connection-level error: the whole connection is closed, not only the channel.
        try:
            raw.channel()
            closed = False
        except amqp.exceptions.RecoverableConnectionError:
            closed = True
        expect(closed, 'the connection should be closed after 540')
        return {'reply_code': e.reply_code, 'reply_text': e.reply_text}
    raise CheckFailed('basic.consume with global QoS on a quorum queue was accepted')


CHECKS = {
    'server_properties': check_server_properties,
    'declare_topology': check_declare_topology,
    'quorum_priority': check_quorum_priority,
    'reject_to_dlq': check_reject_to_dlq,
    'reject_quorum_to_dlq': check_reject_quorum_to_dlq,
    'reject_requeue_not_dead_lettered': check_reject_requeue_not_dead_lettered,
    'dead_letter_cycle_count': check_dead_letter_cycle_count,
    'quorum_global_qos': check_quorum_global_qos,
}

if __name__ == '__main__':
    run('kombu_topology.py', CHECKS)
