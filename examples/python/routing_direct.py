"""Routing: a direct exchange delivers a message to the queues bound with exactly its routing key.

Log lines are published with their severity as the routing key; the 'error-pager' only binds 'error',
the 'everything-archive' binds all three severities. One queue may have many bindings.

Run against a running broker (npm start):   python3 examples/python/routing_direct.py
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
EXCHANGE = 'routing.logs'
LOGS = [
    ('info', 'service started'),
    ('warning', 'slow response from payments (2.3 s)'),
    ('error', 'payment 7781 failed: card declined'),
    ('info', 'nightly report sent'),
    ('error', 'database connection lost'),
]
SUBSCRIBERS = {'error-pager': ['error'], 'everything-archive': ['info', 'warning', 'error']}


def main():
    print("routing: direct exchange '%s', routing key = severity" % EXCHANGE)
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.exchange_declare(EXCHANGE, 'direct', durable=False)

    received = {}
    for name, severities in SUBSCRIBERS.items():
        received[name] = []
        queue = ch.queue_declare('', exclusive=True).method.queue
        for severity in severities:
            ch.queue_bind(queue, EXCHANGE, routing_key=severity)
        print('[%s] bound with %s' % (name, ', '.join("'%s'" % s for s in severities)))

        def on_message(ch, method, properties, body, name=name):
            received[name].append(body.decode())
            print('[%s] %s: %s' % (name, method.routing_key, body.decode()))

        ch.basic_consume(queue, on_message, auto_ack=True)

    for severity, text in LOGS:
        ch.basic_publish(EXCHANGE, severity, text)
    # A severity no queue is bound with: the exchange drops it (publish with mandatory=True to get it back).
    ch.basic_publish(EXCHANGE, 'debug', 'cache hit ratio 0.93')

    expected = {name: [t for s, t in LOGS if s in severities] for name, severities in SUBSCRIBERS.items()}
    deadline = time.time() + 10
    while any(len(received[n]) < len(expected[n]) for n in expected) and time.time() < deadline:
        conn.process_data_events(time_limit=0.02)
    conn.process_data_events(time_limit=0.1)  # give a wrongly routed 'debug' line the chance to show up
    ch.exchange_delete(EXCHANGE)
    conn.close()

    for name in expected:
        if received[name] != expected[name]:
            raise SystemExit('%s received %r' % (name, received[name]))
    print("done: error-pager got %d errors, everything-archive got %d lines, 'debug' went nowhere"
          % (len(received['error-pager']), len(received['everything-archive'])))


if __name__ == '__main__':
    main()
