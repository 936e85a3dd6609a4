"""Topics: a topic exchange matches dot-separated routing keys against binding patterns.

'*' stands for exactly one word and '#' for zero or more words. Routing keys here are
'<entity>.<event>.<region>'; each subscriber binds the patterns it cares about.

Run against a running broker (npm start):   python3 examples/python/topics.py
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
EXCHANGE = 'topics.shop'
EVENTS = ['order.created.eu', 'order.shipped.us', 'payment.failed.eu', 'payment.settled.us', 'order',
          'stock.low.eu.warehouse-2']
# Subscriber -> (binding patterns, which of EVENTS it must receive).
SUBSCRIBERS = {
    'eu-dashboard': (['*.*.eu'], ['order.created.eu', 'payment.failed.eu']),
    'order-service': (['order.#'], ['order.created.eu', 'order.shipped.us', 'order']),  # '#' matches zero words too
    'fraud-watch': (['payment.failed.*'], ['payment.failed.eu']),
    'eu-everything': (['#.eu.#'], ['order.created.eu', 'payment.failed.eu', 'stock.low.eu.warehouse-2']),
    'audit': (['#'], EVENTS),
}


def main():
    print("topics: topic exchange '%s', routing keys '<entity>.<event>.<region>'" % EXCHANGE)
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.exchange_declare(EXCHANGE, 'topic', durable=False)

    received = {}
    for name, (patterns, _) in SUBSCRIBERS.items():
        received[name] = []
        queue = ch.queue_declare('', exclusive=True).method.queue
        for pattern in patterns:
            ch.queue_bind(queue, EXCHANGE, routing_key=pattern)
        ch.basic_consume(queue, lambda ch, method, props, body, name=name: received[name].append(method.routing_key),
                         auto_ack=True)

    for key in EVENTS:
        ch.basic_publish(EXCHANGE, key, '{"event": "%s"}' % key)

    deadline = time.time() + 10
    while any(len(received[n]) < len(s[1]) for n, s in SUBSCRIBERS.items()) and time.time() < deadline:
        conn.process_data_events(time_limit=0.02)
    conn.process_data_events(time_limit=0.1)  # give a wrongly routed event the chance to show up
    ch.exchange_delete(EXCHANGE)
    conn.close()

    ok = True
    for name, (patterns, expects) in SUBSCRIBERS.items():
        match = received[name] == expects
        ok = ok and match
        print('[%s] %s -> %s%s' % (name, ' '.join(patterns), ', '.join(received[name]) or '(nothing)',
                                   '' if match else '   <-- UNEXPECTED'))
    if not ok:
        raise SystemExit('some subscribers received unexpected events')
    print('done: %d events routed to %d subscribers exactly as their patterns say' % (len(EVENTS), len(SUBSCRIBERS)))


if __name__ == '__main__':
    main()
