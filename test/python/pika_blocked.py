#!/usr/bin/python3
"""pika and resource alarms: connection.blocked / connection.unblocked callbacks.

Driven step by step by the test that controls the broker's alarm (test/integration/pika-alarm.test.ts),
over standard input and output:
  1. declares QUEUE, publishes 10 backlog messages (confirmed), prints READY
  2. waits for a line on stdin (the alarm is now in effect), publishes 'during' on a second
     connection, waits for its blocked callback, drains the backlog on a third connection while the
     alarm is in effect, and prints BLOCKED
  3. waits for a line on stdin (the alarm has cleared), waits for the unblocked callback and the
     held message, and prints one JSON line with what it saw.
Env: AMQP_URL, QUEUE. Exit 0 when it got that far, 1 otherwise (details on stderr).
"""
import json
import os
import sys
import time

import pika


def params():
    p = pika.URLParameters(os.environ['AMQP_URL'])
    p.connection_attempts = 1
    p.socket_timeout = 10
    p.blocked_connection_timeout = 60
    return p


def wait_until(conn, cond, what, timeout=30):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            raise RuntimeError('timed out waiting for %s' % what)
        conn.process_data_events(0.05)


def say(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def main():
    queue = os.environ['QUEUE']
    events = []
    setup = pika.BlockingConnection(params())
    sch = setup.channel()
    sch.queue_declare(queue)
    sch.confirm_delivery()
    for i in range(10):
        sch.basic_publish('', queue, b'backlog-%d' % i)
    setup.close()
    say('READY')

    sys.stdin.readline()
    publisher = pika.BlockingConnection(params())
    publisher.add_on_connection_blocked_callback(lambda _c, frame: events.append('blocked:' + frame.method.reason))
    publisher.add_on_connection_unblocked_callback(lambda _c, _frame: events.append('unblocked'))
    publisher.channel().basic_publish('', queue, b'during')
    wait_until(publisher, lambda: len(events) > 0, 'connection.blocked')

    consumer = pika.BlockingConnection(params())
    cch = consumer.channel()
    drained = []
    deadline = time.time() + 30
    while len(drained) < 10 and time.time() < deadline:
        method, _props, body = cch.basic_get(queue, auto_ack=True)
        if method is None:
            consumer.process_data_events(0.05)
        else:
            drained.append(body.decode())
    held = cch.queue_declare(queue, passive=True).method.message_count
    say('BLOCKED')

    sys.stdin.readline()
    wait_until(publisher, lambda: 'unblocked' in events, 'connection.unblocked')
    after = None
    deadline = time.time() + 30
    while after is None and time.time() < deadline:
        method, _props, body = cch.basic_get(queue, auto_ack=True)
        if method is None:
            consumer.process_data_events(0.05)
        else:
            after = body.decode()
    cch.queue_delete(queue)
    publisher.close()
    consumer.close()
    say(json.dumps({'events': events, 'drained_during_alarm': drained, 'queued_during_alarm': held, 'after': after}))


if __name__ == '__main__':
    try:
        main()
    except Exception as e:  # reported to the test through stderr and the exit code
        sys.stderr.write('%s: %s\n' % (type(e).__name__, e))
        sys.exit(1)
