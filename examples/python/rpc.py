"""RPC: a client sends a request to a server's queue and waits for the answer.

The request carries reply_to (where to answer) and correlation_id (which request an answer belongs to,
so many calls can be in flight at once). Two ways to receive the answers are shown:
  1. a private reply queue per client (exclusive, server-named);
  2. direct reply-to: the pseudo-queue 'amq.rabbitmq.reply-to', no queue is declared at all
     (consume from it with auto_ack before publishing, on the same channel).

Run against a running broker (npm start):   python3 examples/python/rpc.py
Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672). Needs pika (apt install python3-pika).
"""
import os
import sys
import threading
import time
import uuid

try:
    import pika
except ImportError:
    sys.exit("This example needs pika: 'pip install pika', or Debian's python3-pika with /usr/bin/python3.")

URL = os.environ.get('AMQP_URL', 'amqp://guest:guest@localhost:5672')
REQUEST_QUEUE = 'rpc.fibonacci'


def fibonacci(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def serve(ready):
    """The server: takes requests one at a time, answers to reply_to with the request's correlation_id."""
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.queue_declare(REQUEST_QUEUE)
    ch.basic_qos(prefetch_count=1)

    def on_request(ch, method, props, body):
        n = int(body)
        print('[server] fibonacci(%d) requested (correlation_id %s...)' % (n, props.correlation_id[:8]), flush=True)
        # Reply through the default exchange: the routing key is the reply queue's name.
        ch.basic_publish('', props.reply_to, str(fibonacci(n)),
                         pika.BasicProperties(correlation_id=props.correlation_id))
        ch.basic_ack(method.delivery_tag)

    ch.basic_consume(REQUEST_QUEUE, on_request)
    ready.append((conn, ch))
    ch.start_consuming()
    ch.queue_delete(REQUEST_QUEUE)
    conn.close()


class RpcClient:
    """call_all(ns) sends every request at once and pairs the answers by correlation_id."""

    def __init__(self, conn, direct_reply_to):
        self.conn = conn
        self.ch = conn.channel()
        if direct_reply_to:
            self.reply_to = 'amq.rabbitmq.reply-to'
        else:
            self.reply_to = self.ch.queue_declare('', exclusive=True).method.queue
        self.answers = {}
        # Direct reply-to requires auto_ack (no-ack mode).
        self.ch.basic_consume(self.reply_to, self.on_answer, auto_ack=True)

    def on_answer(self, ch, method, props, body):
        if props.correlation_id in self.answers:  # else: a late answer to a call we gave up on
            self.answers[props.correlation_id] = int(body)

    def call_all(self, ns, timeout=10):
        ids = []
        for n in ns:
            correlation_id = str(uuid.uuid4())
            self.answers[correlation_id] = None
            ids.append(correlation_id)
            self.ch.basic_publish('', REQUEST_QUEUE, str(n),
                                  pika.BasicProperties(reply_to=self.reply_to, correlation_id=correlation_id))
        deadline = time.time() + timeout
        while any(self.answers[i] is None for i in ids):
            if time.time() > deadline:
                raise SystemExit('no answer within %d s' % timeout)
            self.conn.process_data_events(time_limit=0.02)
        return [self.answers.pop(i) for i in ids]


def demo(conn, direct_reply_to):
    client = RpcClient(conn, direct_reply_to)
    inputs = [10, 20, 30, 40]
    for n, answer in zip(inputs, client.call_all(inputs)):
        if answer != fibonacci(n):
            raise SystemExit('fibonacci(%d) answered %d' % (n, answer))
        print('[client] fibonacci(%d) = %d' % (n, answer), flush=True)


def main():
    ready = []
    server = threading.Thread(target=serve, args=(ready,), daemon=True)
    server.start()
    while not ready:
        time.sleep(0.01)

    conn = pika.BlockingConnection(pika.URLParameters(URL))
    print("1. RPC with a private reply queue, requests on '%s'" % REQUEST_QUEUE, flush=True)
    demo(conn, False)
    print('2. RPC with direct reply-to (amq.rabbitmq.reply-to)', flush=True)
    demo(conn, True)
    conn.close()

    server_conn, server_ch = ready[0]
    server_conn.add_callback_threadsafe(server_ch.stop_consuming)
    server.join(10)
    print('done: 8 calls answered correctly (4 over a reply queue, 4 over direct reply-to)')


if __name__ == '__main__':
    main()
