// The Python examples (examples/python) run as a user runs them: `python3 examples/python/NAME.py`
// with AMQP_URL pointing at a broker (Debian's /usr/bin/python3 with python3-pika and python3-celery).
// Each example checks its own outcome (non-zero exit otherwise); these tests also pin the lines that
// tell the story (expected-output.ts).
import { testExamples } from '../support/examples.js';
import { exampleSpecs } from './expected-output.js';

testExamples('python', exampleSpecs, 90_000);
