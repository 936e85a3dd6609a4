"""The client side of the Celery round trip: sends tasks to a worker that the test started with
  /usr/bin/python3 -m celery -A celery_app worker --pool=solo --concurrency=1 --without-heartbeat \
      --without-gossip --without-mingle -Q <CELERY_PREFIX>.work
and reads results over the rpc:// backend. Same environment as celery_app.py (AMQP_URL, CELERY_PREFIX);
harness and output format as kombu_common.py."""
import time

from kombu_common import (CheckFailed, expect, expect_eq, expect_x_death, passive_exists, run)

try:
    import celery  # noqa: F401
except ImportError as e:  # pragma: no cover
    import sys
    sys.stderr.write('celery is not importable (%s); use /usr/bin/python3 with python3-celery\n' % e)
    sys.exit(2)

import celery_app
from celery_app import DLQ, DLX, TASKS, WORK_QUEUE, app

RESULT_TIMEOUT = 20


def queue_view(q):
    return {'name': q.name, 'durable': q.durable, 'auto_delete': q.auto_delete, 'exclusive': q.exclusive,
            'arguments': q.queue_arguments or {}, 'exchange': q.exchange.name,
            'exchange_type': q.exchange.type, 'routing_key': q.routing_key}


def check_round_trip(ctx):
    """add.apply_async((2, 3), queue=...) through the worker; the result comes back over rpc://."""
    result = celery_app.add.apply_async((2, 3), queue=WORK_QUEUE)
    value = result.get(timeout=RESULT_TIMEOUT)
    expect_eq(value, 5, 'add(2, 3)')
    expect_eq(result.state, 'SUCCESS', 'state')
    # A second call through the default route (task_default_queue) and keyword arguments.
    value2 = celery_app.add.delay(x=40, y=2).get(timeout=RESULT_TIMEOUT)
    expect_eq(value2, 42, 'add(x=40, y=2)')
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        product = conn.connection.server_properties.get('product')
        qos_global = not conn.qos_semantics_matches_spec
    return {
        'value': value, 'value2': value2, 'task_id': result.id, 'product': product,
        # What the worker sends as basic.qos(global=...) against this broker (celery.worker.consumer.tasks).
        'worker_qos_global': qos_global,
        'work_queue': queue_view(app.amqp.queues[WORK_QUEUE]),
        'reply_queue': queue_view(app.backend.binding),
    }


def check_failure_then_reject_dead_letters(ctx):
    """An ordinary exception in an acks_late task is acked (result FAILURE, not dead-lettered); a task that
    raises celery.exceptions.Reject(requeue=False) is rejected, so the broker dead-letters it into the DLQ
    configured through task_queues' queue_arguments, with RabbitMQ's x-death header."""
    # The worker only declares the queues it consumes (-Q): the DLQ (and the dead-letter exchange it
    # binds) is declared by the application, from the same task_queues entry, before any task can die.
    with app.connection_for_write() as conn:
        app.amqp.queues[DLQ](conn.default_channel).declare()
    failed = celery_app.divide.apply_async((1, 0), queue=WORK_QUEUE)
    failed.get(timeout=RESULT_TIMEOUT, propagate=False)
    expect_eq(failed.state, 'FAILURE', 'divide(1, 0) state')
    expect_eq(type(failed.result).__name__, 'ZeroDivisionError', 'divide(1, 0) exception')

    poisoned = celery_app.poison.apply_async(({'bad': True},), queue=WORK_QUEUE)
    with app.connection_for_write() as conn:
        deadline = time.time() + RESULT_TIMEOUT
        bound = app.amqp.queues[DLQ](conn.default_channel)
        dead = None
        while dead is None and time.time() < deadline:
            dead = bound.get(no_ack=True, accept=['json'])
            if dead is None:
                time.sleep(0.1)
        if dead is None:
            raise CheckFailed('the rejected task never reached %s' % DLQ)
        # The worker handled divide (acked) before poison (rejected) on the same channel, so had divide
        # been dead-lettered it would be here first.
        expect_eq(dead.headers.get('task'), 'celery_app.poison', 'task name header of the dead-lettered message')
        expect_eq(dead.headers.get('id'), poisoned.id, 'task id header of the dead-lettered message')
        args, kwargs, _embed = dead.payload
        expect_eq(args, [{'bad': True}], 'task arguments in the dead-lettered body')
        view = expect_x_death(dead.headers, count=1, reason='rejected', queue=WORK_QUEUE, exchange=TASKS.name,
                              routing_keys=[WORK_QUEUE])
        expect_eq(dead.delivery_info['exchange'], DLX.name, 'dead-letter exchange')
        expect_eq(dead.delivery_info['routing_key'], celery_app.DEAD_KEY, 'dead-letter routing key')
        expect(bound.get(no_ack=True) is None, 'only the rejected task is dead-lettered')
        # The worker is idle again: the work queue is empty.
        _, ready, _ = conn.default_channel.queue_declare(WORK_QUEUE, passive=True)
        expect_eq(ready, 0, 'messages left in the work queue')
    return dict(view, task_id=poisoned.id, content_type=dead.content_type)


def check_cleanup(ctx):
    """Deletes the test's exchanges and queues (run after the worker has been stopped)."""
    with app.connection_for_write() as conn:
        ch = conn.default_channel
        for q in (WORK_QUEUE, DLQ):
            ch.queue_delete(q)
        for x in (TASKS.name, DLX.name):
            ch.exchange_delete(x)
        expect(not passive_exists(conn, WORK_QUEUE), 'work queue deleted')
    return {}


CHECKS = {
    'round_trip': check_round_trip,
    'failure_then_reject_dead_letters': check_failure_then_reject_dead_letters,
    'cleanup': check_cleanup,
}

if __name__ == '__main__':
    run('celery_client.py', CHECKS)
