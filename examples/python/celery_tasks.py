"""A Celery task queue with retries and a dead-letter queue.

Two tasks of a video shop, run by a Celery worker:
  transcode(video_id)   its storage backend is flaky: the task retries (self.retry, 0.3 s apart, at most 3
                        times) and succeeds on its third attempt;
  charge_card(order)    the card is declined: after its retries the task rejects the message
                        (Reject(requeue=False)), and the broker dead-letters it, through the work queue's
                        x-dead-letter-exchange, into 'celery-demo.dead' for someone to look at.
Topology (declared by Celery from task_queues):
  celery-demo.tasks (direct) -> celery-demo.work   x-dead-letter-exchange=celery-demo.dlx
  celery-demo.dlx   (direct) -> celery-demo.dead
Results come back over the rpc:// backend (a reply queue per client), so no other service is needed.

Run against a running broker (npm start):   python3 examples/python/celery_tasks.py
It starts a worker (python3 -m celery -A celery_tasks worker ...) as a child process, sends the tasks,
shows what happened and stops the worker. In a real deployment the worker runs on its own:
    cd examples/python && python3 -m celery -A celery_tasks worker -Q celery-demo.work --loglevel=INFO
Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672). Needs Celery (apt install python3-celery).
"""
import os
import signal
import subprocess
import sys
import time

try:
    from celery import Celery
    from celery.exceptions import Reject, TimeoutError as CeleryTimeout
    from kombu import Exchange, Queue
except ImportError:
    sys.exit("This example needs Celery: 'pip install celery', or Debian's python3-celery with /usr/bin/python3.")

URL = os.environ.get('AMQP_URL', 'amqp://guest:guest@localhost:5672')
TASKS = Exchange('celery-demo.tasks', 'direct', durable=True)
DLX = Exchange('celery-demo.dlx', 'direct', durable=True)
WORK_QUEUE = Queue('celery-demo.work', TASKS, routing_key='work', durable=True,
                   queue_arguments={'x-dead-letter-exchange': DLX.name, 'x-dead-letter-routing-key': 'dead'})
DEAD_QUEUE = Queue('celery-demo.dead', DLX, routing_key='dead', durable=True)

app = Celery('celery_tasks', broker=URL, backend='rpc://')
app.conf.update(
    task_queues=(WORK_QUEUE, DEAD_QUEUE),
    task_default_queue=WORK_QUEUE.name,
    task_default_exchange=TASKS.name,
    task_default_routing_key='work',
    task_acks_late=True,  # a task's message is acked after it ran: a worker crash means a redelivery, not a loss
    worker_prefetch_multiplier=1,
    worker_redirect_stdouts=False,  # the tasks' print() goes straight to the terminal
)


class StorageUnavailable(Exception):
    pass


class CardDeclined(Exception):
    pass


@app.task(bind=True, name='shop.transcode', max_retries=3, default_retry_delay=0.3)
def transcode(self, video_id):
    attempt = self.request.retries + 1
    if attempt < 3:
        print('[worker] transcode %s: attempt %d failed (storage unavailable), retrying' % (video_id, attempt), flush=True)
        # retry() publishes a new message (with an ETA) and acks this one.
        raise self.retry(exc=StorageUnavailable('storage unavailable'))
    print('[worker] transcode %s: attempt %d succeeded' % (video_id, attempt), flush=True)
    return '%s transcoded after %d attempts' % (video_id, attempt)


@app.task(bind=True, name='shop.charge_card', max_retries=2, default_retry_delay=0.3)
def charge_card(self, order):
    attempt = self.request.retries + 1
    if self.request.retries < self.max_retries:
        print('[worker] charge_card %s: attempt %d failed (card declined), retrying' % (order['id'], attempt), flush=True)
        raise self.retry(exc=CardDeclined('card declined'))
    print('[worker] charge_card %s: attempt %d failed, giving up -> rejected (dead-lettered)' % (order['id'], attempt),
          flush=True)
    raise Reject('card declined for order %s' % order['id'], requeue=False)


def start_worker():
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=here, AMQP_URL=URL)
    return subprocess.Popen(
        [sys.executable, '-m', 'celery', '--quiet', '-A', 'celery_tasks', 'worker', '--pool=solo',
         '--concurrency=1', '--without-gossip', '--without-mingle', '-Q', WORK_QUEUE.name,
         # Celery 5.2 logs a rejected task as an ERROR with a traceback although rejecting is intended
         # here; the demo keeps the worker's log quiet. Run the worker yourself to see its full log.
         '--loglevel=CRITICAL'],
        cwd=here, env=env)


def wait_for_result(async_result, worker, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if worker.poll() is not None:
            raise SystemExit('the celery worker exited with %s' % worker.returncode)
        try:
            return async_result.get(timeout=1)
        except CeleryTimeout:
            pass
    raise SystemExit('no result within %d s' % timeout)


def wait_for_dead_letter(conn, timeout=20):
    deadline = time.time() + timeout
    dead = DEAD_QUEUE(conn.default_channel)
    while time.time() < deadline:
        message = dead.get(no_ack=True, accept=['json'])
        if message is not None:
            return message
        time.sleep(0.1)
    raise SystemExit('nothing arrived in %s' % DEAD_QUEUE.name)


def main():
    print("celery task queue '%s' (retries; rejected tasks dead-lettered into '%s')" % (WORK_QUEUE.name, DEAD_QUEUE.name),
          flush=True)
    with app.connection_for_write() as conn:
        # Declare everything before sending: the worker only declares the queue it consumes.
        for q in (WORK_QUEUE, DEAD_QUEUE):
            q(conn.default_channel).declare()
    worker = start_worker()
    try:
        video = transcode.delay('v42')
        charge_card.delay({'id': 'A-1001', 'amount': 19.99})
        print('[client] sent transcode(v42) and charge_card(A-1001)', flush=True)
        result = wait_for_result(video, worker)
        print('[client] transcode(v42) -> %r' % result, flush=True)
        with app.connection_for_write() as conn:
            dead = wait_for_dead_letter(conn)
            death = dead.headers['x-death'][0]
            print("[%s] task %s %r: x-death reason=%s, queue=%s" % (
                DEAD_QUEUE.name, dead.headers['task'], dead.payload[0], death['reason'], death['queue']), flush=True)
            if dead.headers['task'] != 'shop.charge_card' or death['reason'] != 'rejected':
                raise SystemExit('unexpected dead letter')
    finally:
        worker.send_signal(signal.SIGTERM)  # Celery's warm shutdown
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
        with app.connection_for_write() as conn:  # leave the broker as we found it
            ch = conn.default_channel
            for q in (WORK_QUEUE, DEAD_QUEUE):
                ch.queue_delete(q.name)
            for x in (TASKS, DLX):
                ch.exchange_delete(x.name)
    if result != 'v42 transcoded after 3 attempts':
        raise SystemExit('unexpected result %r' % result)
    print('done: transcode succeeded on its 3rd attempt; charge_card was retried twice, then dead-lettered')


if __name__ == '__main__':
    main()
