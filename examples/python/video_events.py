"""An event bus: a video service publishes what happens ('video.uploaded', 'video.watch_started', ...)
to one topic exchange, without knowing who listens. Each service owns a durable queue bound with the
event names it needs:
  recommendation-service  video.watch_started, video.liked
  notification-service    video.uploaded, video.commented
  analytics-service       video.#   (everything) -- and it is flaky.
Analytics retries a failed event once (nack with requeue); an event that fails again is rejected without
requeue, and its queue's dead-letter exchange moves it to a dead-letter queue (DLQ), with an x-death
header saying where it came from and why.

Run against a running broker (npm start):   python3 examples/python/video_events.py
Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672). Needs pika (apt install python3-pika).
"""
import json
import os
import sys
import time

try:
    import pika
except ImportError:
    sys.exit("This example needs pika: 'pip install pika', or Debian's python3-pika with /usr/bin/python3.")

URL = os.environ.get('AMQP_URL', 'amqp://guest:guest@localhost:5672')
EVENTS_EXCHANGE = 'video.events'
DEAD_LETTER_EXCHANGE = 'video.events.dead-letter'
DLQ = 'analytics-service.dead-letters'
SERVICES = {
    'recommendation-service': ['video.watch_started', 'video.liked'],
    'notification-service': ['video.uploaded', 'video.commented'],
    'analytics-service': ['video.#'],
}
EVENTS = [
    ('video.uploaded', {'seq': 1, 'videoId': 'v1', 'title': 'Cats on keyboards'}),
    ('video.watch_started', {'seq': 2, 'videoId': 'v1', 'userId': 'u7'}),
    ('video.watch_finished', {'seq': 3, 'videoId': 'v1', 'userId': 'u7'}),
    ('video.liked', {'seq': 4, 'videoId': 'v1', 'userId': 'u7'}),
    ('video.watch_started', {'seq': 5, 'videoId': 'v2', 'userId': 'u9'}),  # analytics fails once, then succeeds
    ('video.watch_started', {'seq': 6, 'videoId': 'v3', 'userId': None}),  # analytics can never handle it
    ('video.commented', {'seq': 7, 'videoId': 'v1', 'userId': 'u9', 'text': 'purrfect'}),
]
handled = {service: [] for service in SERVICES}
stats = {'attempts': 0, 'retries': 0}


def record_analytics(event, redelivered):
    """What analytics does with an event; raises when its (simulated) flaky dependency fails."""
    stats['attempts'] += 1
    if event['seq'] == 5 and not redelivered:
        raise RuntimeError('analytics database timed out')
    if event.get('userId', '') is None:
        raise ValueError('event has no userId')


def start_service(name):
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.basic_qos(prefetch_count=10)

    def on_event(ch, method, props, body):
        event = json.loads(body)
        key = method.routing_key
        if name != 'analytics-service':
            handled[name].append(event['seq'])
            print('[%s] %s #%d (video %s)' % (name, key, event['seq'], event['videoId']))
            ch.basic_ack(method.delivery_tag)
            return
        try:
            record_analytics(event, method.redelivered)
        except Exception as e:
            # First failure: put it back for one retry. Second failure: reject, so it is dead-lettered.
            retry = not method.redelivered
            stats['retries'] += retry
            print('[%s] %s #%d FAILED (%s) -> %s' % (name, key, event['seq'], e,
                                                     'requeued for a retry' if retry else 'rejected, dead-lettered'))
            ch.basic_nack(method.delivery_tag, requeue=retry)
            return
        handled[name].append(event['seq'])
        print('[%s] %s #%d recorded%s' % (name, key, event['seq'], ' on retry' if method.redelivered else ''))
        ch.basic_ack(method.delivery_tag)

    ch.basic_consume(name, on_event)
    return conn


def main():
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    # The topology, declared idempotently by whoever starts first (in production: each service its own queue).
    ch.exchange_declare(EVENTS_EXCHANGE, 'topic', durable=True)
    ch.exchange_declare(DEAD_LETTER_EXCHANGE, 'fanout', durable=True)
    ch.queue_declare(DLQ, durable=True)
    ch.queue_bind(DLQ, DEAD_LETTER_EXCHANGE)
    for service, keys in SERVICES.items():
        args = {'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE} if service == 'analytics-service' else {}
        ch.queue_declare(service, durable=True, arguments=args)
        for key in keys:
            ch.queue_bind(service, EVENTS_EXCHANGE, routing_key=key)
        print('[%s] subscribed to %s' % (service, ', '.join(keys)))
    services = [start_service(s) for s in SERVICES]

    # The video service publishes facts; persistent, so they survive a broker restart in durable queues.
    for key, event in EVENTS:
        ch.basic_publish(EVENTS_EXCHANGE, key, json.dumps(event),
                         pika.BasicProperties(delivery_mode=2, content_type='application/json'))
        print('[video-service] published %s #%d' % (key, event['seq']))

    expected = {
        'recommendation-service': [2, 4, 5, 6],
        'notification-service': [1, 7],
        'analytics-service': [1, 2, 3, 4, 5, 7],
    }
    dead = None
    deadline = time.time() + 15
    while (sum(map(len, handled.values())) < sum(map(len, expected.values())) or dead is None) \
            and time.time() < deadline:
        for s in services:
            s.process_data_events(time_limit=0.01)
        if dead is None:
            method, props, body = ch.basic_get(DLQ, auto_ack=True)
            dead = (method, props, body) if method else None
    for s in services:
        s.close()

    for service, seqs in expected.items():
        if sorted(handled[service]) != seqs:
            raise SystemExit('%s handled %r, expected %r' % (service, sorted(handled[service]), seqs))
    if dead is None:
        raise SystemExit('nothing arrived in %s' % DLQ)
    method, props, body = dead
    event = json.loads(body)
    death = props.headers['x-death'][0]
    print('[%s] #%d %s: reason=%s, queue=%s, exchange=%s, count=%d' % (
        DLQ, event['seq'], method.routing_key, death['reason'], death['queue'], death['exchange'], death['count']))
    if event['seq'] != 6 or death['reason'] != 'rejected' or death['queue'] != 'analytics-service':
        raise SystemExit('unexpected dead letter')

    for q in list(SERVICES) + [DLQ]:
        ch.queue_delete(q)
    ch.exchange_delete(EVENTS_EXCHANGE)
    ch.exchange_delete(DEAD_LETTER_EXCHANGE)
    conn.close()
    print('done: %d events delivered to 3 services; analytics made %d attempts, retried %d events, dead-lettered 1'
          % (len(EVENTS), stats['attempts'], stats['retries']))


if __name__ == '__main__':
    main()
