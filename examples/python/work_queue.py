"""Work queue: a producer hands out slow tasks and a pool of workers shares them.

Each worker takes ONE task at a time (prefetch_count=1), so a slow worker never hoards tasks while the
others are idle, and acknowledges a task only when it is done (manual acks), so a task whose worker
dies half-way is delivered again to another worker.

Run against a running broker (npm start):   python3 examples/python/work_queue.py
Broker URL: AMQP_URL (default amqp://guest:guest@localhost:5672). Needs pika (apt install python3-pika).
"""
import json
import os
import sys
import threading
import time

try:
    import pika
except ImportError:
    sys.exit("This example needs pika: 'pip install pika', or Debian's python3-pika with /usr/bin/python3.")

URL = os.environ.get('AMQP_URL', 'amqp://guest:guest@localhost:5672')
QUEUE = 'work-queue.tasks'
TASKS = 12

lock = threading.Lock()
completed = {}  # task id -> worker that finished it
crashed = {}  # 'task': the id of the task whose worker died


def worker(name, speed, run, crash_on_first_task, ready):
    """One worker: its own connection (as a separate process would have), prefetch 1, manual acks."""
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.queue_declare(QUEUE, durable=True)
    ch.basic_qos(prefetch_count=1)  # at most one unacknowledged task per worker

    def on_task(ch, method, properties, body):
        task = json.loads(body)
        if task['run'] != run:
            ch.basic_ack(method.delivery_tag)  # a leftover from an earlier, interrupted run
            return
        again = ' (redelivered)' if method.redelivered else ''
        print('[%s] task %d started: %s%s' % (name, task['id'], task['job'], again), flush=True)
        if crash_on_first_task:
            crashed['task'] = task['id']
            print('[%s] crashed while working on task %d (connection lost before the ack)' % (name, task['id']),
                  flush=True)
            ch.stop_consuming()  # and the connection is closed below, without an ack
            return
        time.sleep(task['ms'] * speed / 1000)
        with lock:
            if task['id'] in completed:
                raise RuntimeError('task %d completed twice' % task['id'])
            completed[task['id']] = (name, method.redelivered)
        print('[%s] task %d done, acknowledged' % (name, task['id']), flush=True)
        ch.basic_ack(method.delivery_tag)  # only now is the task removed from the queue

    ch.basic_consume(QUEUE, on_task, auto_ack=False)
    ready.append((conn, ch))
    ch.start_consuming()
    conn.close()  # an unacknowledged task goes back to the queue


def main():
    run = '%d-%d' % (os.getpid(), time.time() * 1000)
    print("work queue '%s': 3 workers (prefetch 1, manual acks), %d tasks" % (QUEUE, TASKS), flush=True)
    ready = []
    threads = []
    for name, speed, crash in (('worker-1', 1, False), ('worker-2', 4, False), ('worker-3', 1, True)):
        t = threading.Thread(target=worker, args=(name, speed, run, crash, ready), daemon=True)
        t.start()
        threads.append(t)
    while len(ready) < 3:
        time.sleep(0.01)

    # The producer: a durable queue and persistent messages, so queued tasks survive a broker restart.
    conn = pika.BlockingConnection(pika.URLParameters(URL))
    ch = conn.channel()
    ch.queue_declare(QUEUE, durable=True)
    jobs = ['resize photo', 'send welcome e-mail', 'transcode clip', 'generate invoice']
    for i in range(1, TASKS + 1):
        task = {'id': i, 'run': run, 'job': '%s #%d' % (jobs[i % len(jobs)], i), 'ms': 20 + (i % 3) * 20}
        ch.basic_publish('', QUEUE, json.dumps(task),
                         pika.BasicProperties(delivery_mode=2, content_type='application/json'))
    print('[producer] queued %d tasks' % TASKS, flush=True)

    deadline = time.time() + 30
    while len(completed) < TASKS and time.time() < deadline:
        time.sleep(0.02)
    for worker_conn, worker_ch in ready:
        if worker_conn.is_open:
            worker_conn.add_callback_threadsafe(worker_ch.stop_consuming)
    for t in threads:
        t.join(10)
    ch.queue_delete(QUEUE)
    conn.close()

    per_worker = {}
    for w, _ in completed.values():
        per_worker[w] = per_worker.get(w, 0) + 1
    print('tasks per worker: %s' % ', '.join('%s: %d' % kv for kv in sorted(per_worker.items())))
    if len(completed) != TASKS:
        raise SystemExit('only %d of %d tasks completed' % (len(completed), TASKS))
    lost = crashed.get('task')
    if lost is None or not completed[lost][1]:
        raise SystemExit('the task of the crashed worker was not redelivered and completed')
    print('task %d, lost with worker-3, was redelivered and completed by %s' % (lost, completed[lost][0]))
    print('done: %d of %d tasks completed exactly once' % (TASKS, TASKS))


if __name__ == '__main__':
    try:
        main()
    except pika.exceptions.AMQPError as e:
        sys.exit('work_queue example failed: %r' % (e,))
