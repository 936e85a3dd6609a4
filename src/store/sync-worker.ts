// Worker thread that runs fdatasync for the message log, so the event loop never blocks on the
// disk. The main thread sends { seq, fds }; we sync each fd and answer { seq, error? }.
import { fdatasyncSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', (req: { seq: number; fds: number[] }) => {
  try {
    for (const fd of req.fds) fdatasyncSync(fd);
    parentPort!.postMessage({ seq: req.seq });
  } catch (err) {
    parentPort!.postMessage({ seq: req.seq, error: (err as Error).message });
  }
});
