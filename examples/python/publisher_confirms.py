"""Publisher confirms, done right, with pika's asynchronous SelectConnection.

In confirm mode the broker answers every publish with an ack (it has taken responsibility for the
message: for a persistent message in a durable queue, it is on disk) or a nack (it could not: here, the
queue is full). A publisher that must not lose messages:
  - keeps a batch of messages in flight and waits for their confirms before sending the next batch
    (BlockingConnection's confirm_delivery() waits after EVERY message, which is slow);
  - remembers every message by delivery tag until it is confirmed (an ack or nack may cover many
    tags at once: 'multiple'), and republishes the nacked ones after a pause;
  - publishes with mandatory=True to hear about messages no queue took (an unroutable message is
    returned, and then acked: a confirm alone does not mean it was queued).
(If the connection drops, every message not yet confirmed must be republished on a new one, which may
duplicate a few: consumers of such a stream should be idempotent.)

The demo queue holds at most 100 messages and refuses more (x-overflow reject-publish), and its consumer
starts late, so the first round is partly nacked and the publisher has to retry.

Run against a running broker (npm start):   python3 examples/python/publisher_confirms.py
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
from pika.spec import Basic

URL = os.environ.get('AMQP_URL', 'amqp://guest:guest@localhost:5672')
QUEUE = 'confirms.orders'
MESSAGES = 300
BATCH = 50
PERSISTENT = pika.BasicProperties(delivery_mode=2, content_type='application/json')


class ConfirmingPublisher:
    def __init__(self):
        self.to_send = list(range(1, MESSAGES + 1))  # ids still to publish in this round
        self.in_flight = {}  # delivery tag -> id, until confirmed
        self.last_tag = 0  # the broker numbers publishes on a confirm-mode channel 1, 2, 3, ...
        self.nacked = []
        self.round = 0
        self.round_size = 0
        self.returned = []
        self.received = {}  # id -> times consumed
        self.unroutable_acked = None
        self.error = None
        self.conn = pika.SelectConnection(pika.URLParameters(URL), on_open_callback=self.on_open,
                                          on_open_error_callback=self.on_failure, on_close_callback=self.on_closed)

    def run(self):
        self.conn.ioloop.start()

    def on_failure(self, _conn, err):
        self.error = err
        self.conn.ioloop.stop()

    def on_closed(self, _conn, reason):
        if self.error is None and not isinstance(reason, pika.exceptions.ConnectionClosedByClient):
            self.error = reason
        self.conn.ioloop.stop()

    def on_open(self, conn):
        conn.channel(on_open_callback=self.on_channel)

    def on_channel(self, ch):
        self.ch = ch
        ch.add_on_return_callback(lambda _ch, method, _props, _body: self.returned.append(method.routing_key))
        ch.queue_declare(QUEUE, durable=True, arguments={'x-max-length': 100, 'x-overflow': 'reject-publish'},
                         callback=lambda _frame: ch.confirm_delivery(self.on_confirm, callback=self.start_round))

    def start_round(self, _frame=None):
        self.round += 1
        self.round_size = len(self.to_send)
        self.nacked = []
        self.publish_batch()

    def publish_batch(self):
        batch, self.to_send = self.to_send[:BATCH], self.to_send[BATCH:]
        if not batch:
            return self.end_round()
        for order_id in batch:
            self.ch.basic_publish('', QUEUE, json.dumps({'orderId': order_id}), PERSISTENT, mandatory=True)
            self.last_tag += 1
            self.in_flight[self.last_tag] = order_id

    def on_confirm(self, frame):
        method = frame.method
        tags = [t for t in self.in_flight if t <= method.delivery_tag] if method.multiple else [method.delivery_tag]
        for tag in tags:
            order_id = self.in_flight.pop(tag)
            if order_id == 'unroutable':
                self.unroutable_acked = isinstance(method, Basic.Ack)
                return self.conn.ioloop.call_later(0.02, self.wait_for_consumer)
            if isinstance(method, Basic.Nack):
                self.nacked.append(order_id)
        if not self.in_flight:
            self.publish_batch()  # the whole batch is confirmed: send the next one

    def end_round(self):
        nacked = sorted(self.nacked)
        print('round %d: %d published, %d confirmed, %d nacked%s' % (
            self.round, self.round_size, self.round_size - len(nacked), len(nacked),
            ' (queue full) -> republishing them' if nacked else ''), flush=True)
        if self.round == 1:
            self.conn.channel(on_open_callback=self.start_consumer)
        if nacked:
            if self.round >= 20:
                self.error = '%d messages still nacked after 20 rounds' % len(nacked)
                return self.conn.close()
            self.to_send = nacked
            self.conn.ioloop.call_later(0.05 * self.round, self.start_round)  # back off before retrying
        else:
            # A confirm is not a delivery guarantee for unroutable messages: mandatory makes the broker return them.
            self.ch.basic_publish('', 'no-such-queue', 'nobody listens', mandatory=True)
            self.last_tag += 1
            self.in_flight[self.last_tag] = 'unroutable'

    def start_consumer(self, ch):
        """The consumer (normally another process) records every order it gets."""
        print('[consumer] started', flush=True)

        def on_order(ch, method, _props, body):
            order_id = json.loads(body)['orderId']
            self.received[order_id] = self.received.get(order_id, 0) + 1
            ch.basic_ack(method.delivery_tag)

        ch.basic_qos(prefetch_count=50, callback=lambda _f: ch.basic_consume(QUEUE, on_order))

    def wait_for_consumer(self, started=None):
        started = started or time.time()
        if len(self.received) < MESSAGES and time.time() - started < 15:
            return self.conn.ioloop.call_later(0.02, lambda: self.wait_for_consumer(started))
        self.ch.queue_delete(QUEUE, callback=lambda _frame: self.conn.close())


def main():
    print("publisher confirms: %d persistent messages in batches of %d to '%s' (max-length 100, overflow "
          "reject-publish)" % (MESSAGES, BATCH, QUEUE), flush=True)
    p = ConfirmingPublisher()
    p.run()
    if p.error is not None:
        sys.exit('publisher_confirms example failed: %r' % (p.error,))
    print('unroutable message with mandatory: %s, then %s' % (
        'returned' if 'no-such-queue' in p.returned else 'NOT returned', 'acked' if p.unroutable_acked else 'nacked'))
    duplicates = sum(1 for n in p.received.values() if n > 1)
    if len(p.received) != MESSAGES or duplicates:
        sys.exit('consumed %d distinct orders, %d duplicated' % (len(p.received), duplicates))
    if p.round < 2:
        sys.exit('expected the first round to be partly nacked')
    if 'no-such-queue' not in p.returned:
        sys.exit('the unroutable message was not returned')
    print('done: %d of %d messages confirmed after %d rounds, each consumed exactly once' % (MESSAGES, MESSAGES, p.round))


if __name__ == '__main__':
    main()
