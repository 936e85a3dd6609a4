"""The Celery application used by the Celery interoperability test (test/integration/kombu-celery.test.ts).

Configured from the environment so the worker process and the client process agree:
  AMQP_URL        broker URL (the test broker: in-process Warren, or RabbitMQ via WARREN_TEST_URL)
  CELERY_PREFIX   unique prefix for every exchange and queue name
  CELERY_QUEUE_TYPE  'classic' (default) or 'quorum' for the work queue

Topology, declared by the worker at start (and by the client before publishing):
  <P>.tasks  topic exchange   <P>.work  bound '<P>.work', dead-letters to <P>.dlx with '<P>.dead'
  <P>.dlx    direct exchange  <P>.dlq   bound '<P>.dead'
Results come back over the rpc:// backend (a reply queue per client), so no other service is needed.
"""
import os

from celery import Celery
from celery.exceptions import Reject
from kombu import Exchange, Queue

PREFIX = os.environ.get('CELERY_PREFIX', 'warren-celery')
QUEUE_TYPE = os.environ.get('CELERY_QUEUE_TYPE', 'classic')

TASKS = Exchange(PREFIX + '.tasks', 'topic', durable=True)
DLX = Exchange(PREFIX + '.dlx', 'direct', durable=True)
WORK_QUEUE = PREFIX + '.work'
DLQ = PREFIX + '.dlq'
DEAD_KEY = PREFIX + '.dead'

work_arguments = {'x-dead-letter-exchange': DLX.name, 'x-dead-letter-routing-key': DEAD_KEY}
if QUEUE_TYPE == 'quorum':
    work_arguments['x-queue-type'] = 'quorum'

app = Celery('celery_app', broker=os.environ.get('AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672//'),
             backend='rpc://')
app.conf.update(
    task_queues=(
        Queue(WORK_QUEUE, TASKS, routing_key=WORK_QUEUE, durable=True, queue_arguments=work_arguments),
        Queue(DLQ, DLX, routing_key=DEAD_KEY, durable=True),
    ),
    task_default_queue=WORK_QUEUE,
    task_default_exchange=TASKS.name,
    task_default_exchange_type='topic',
    task_default_routing_key=WORK_QUEUE,
    task_serializer='json',
    result_serializer='json',
    accept_content=['json'],
    # Fail fast instead of retrying forever when the broker is not there.
    broker_connection_timeout=10,
    broker_connection_max_retries=3,
    broker_heartbeat=0,
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
)


@app.task
def add(x, y):
    return x + y


@app.task(acks_late=True)
def divide(x, y):
    # Raises ZeroDivisionError for y == 0. acks_late tasks are still acked after an ordinary failure
    # (task_acks_on_failure_or_timeout defaults to True), so this is NOT dead-lettered.
    return x / y


@app.task(acks_late=True)
def poison(payload):
    # A message the worker can never process: rejected without requeue, so the broker dead-letters it.
    raise Reject('poison message: %r' % (payload,), requeue=False)
