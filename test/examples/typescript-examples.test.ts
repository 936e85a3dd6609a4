// The TypeScript examples (examples/typescript, compiled to dist/examples/typescript) run as a user
// runs them: `node dist/examples/typescript/NAME.js` with AMQP_URL pointing at a broker. Each example
// checks its own outcome (exit code 1 otherwise); these tests also pin the lines that tell the story
// (expected-output.ts).
import { testExamples } from '../support/examples.js';
import { exampleSpecs } from './expected-output.js';

testExamples('typescript', exampleSpecs, 60_000);
