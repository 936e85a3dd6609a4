"""Publish/subscribe: a fanout exchange copies every message to every queue bound to it.

Each subscriber declares its own private queue (server-named, exclusive: deleted when it disconnects)
and binds it to the exchange, so every subscriber sees every message, and a subscriber that is not
running simply misses them.

Run against a running broker (npm start):   python3 examples/python/pubsub_fanout.py
Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672). Needs pika (apt install python3-pika).
"""
import os
import sys
import time

try:
    import pika
except ImportError:
    sys.exit("This example needs pika: 'pip install pika', or Debian's python3-pika with /usr/bin/python3.")

URL = os.environ.get('AMQP_URL', 'amqp://guest:guest@localhost:5672')
EXCHANGE = 'pubsub.logs'
MESSAGES = ['user 42 logged in', 'disk /var at 91%', 'backup finished', 'user 42 logged out']


def subscribe(name, received):
    """A subscriber: a private queue bound to the fanout exchange (the binding key is ignored)."""
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.exchange_declare(EXCHANGE, 'fanout', durable=False)
    queue = ch.queue_declare('', exclusive=True).method.queue  # '' = let the broker name it
    ch.queue_bind(queue, EXCHANGE)

    def on_message(ch, method, properties, body):
        received.append(body.decode())
        print("[%s] got '%s' (queue %s)" % (name, body.decode(), queue))

    ch.basic_consume(queue, on_message, auto_ack=True)
    return conn


def main():
    print("pub/sub: fanout exchange '%s', 3 subscribers, %d messages" % (EXCHANGE, len(MESSAGES)))
    received = {name: [] for name in ('console-logger', 'file-archiver', 'alerting')}
    subscribers = [subscribe(name, got) for name, got in received.items()]

    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.exchange_declare(EXCHANGE, 'fanout', durable=False)
    for text in MESSAGES:
        ch.basic_publish(EXCHANGE, '', text)  # the routing key does not matter for fanout
        print("[publisher] sent '%s'" % text)

    deadline = time.time() + 10
    while any(len(got) < len(MESSAGES) for got in received.values()) and time.time() < deadline:
        for s in subscribers:
            s.process_data_events(time_limit=0.01)  # runs the subscriber's callbacks
    for s in subscribers:
        s.close()
    ch.exchange_delete(EXCHANGE)
    conn.close()

    for name, got in received.items():
        if got != MESSAGES:
            raise SystemExit('%s received %r' % (name, got))
    print('done: each of the %d subscribers received all %d messages, in order' % (len(received), len(MESSAGES)))


if __name__ == '__main__':
    main()
