/**
 * Publisher confirms for one channel. Publishes are numbered from 1; each is settled (ack or
 * nack) when the broker is done with it — at once for transient messages, after the fdatasync
 * for stored ones. Confirms are sent in publish order: settled publishes are released up to the
 * first one still pending, runs of acks as one `multiple` ack, so a client never sees a confirm
 * for a message whose predecessor might still fail.
 */
export class ConfirmTracker {
  private published = 0;
  /** Next publish number not yet confirmed to the client. */
  private nextToSend = 1;
  /** Settled but not yet sent, by publish number: true = ack, false = nack. */
  private readonly settledOut = new Map<number, boolean>();
  private scheduled = false;

  constructor(private readonly send: (ack: boolean, deliveryTag: number, multiple: boolean) => void) {}

  /** Numbers the next publish. */
  next(): number {
    return ++this.published;
  }

  settle(seq: number, ack: boolean): void {
    this.settledOut.set(seq, ack);
    if (this.scheduled) return;
    this.scheduled = true;
    // Once per tick: everything settled in this turn goes out as few frames as possible.
    process.nextTick(() => this.flush());
  }

  /** Stops sending (the channel closed); pending confirms are dropped with it. */
  stop(): void {
    this.settledOut.clear();
    this.nextToSend = Number.MAX_SAFE_INTEGER;
  }

  private flush(): void {
    this.scheduled = false;
    let runEnd = this.lastSent;
    while (this.settledOut.has(this.nextToSend)) {
      const seq = this.nextToSend++;
      const ack = this.settledOut.get(seq)!;
      this.settledOut.delete(seq);
      if (ack) {
        runEnd = seq;
        continue;
      }
      this.sendAcksUpTo(runEnd);
      this.send(false, seq, false);
      this.lastSent = runEnd = seq;
    }
    this.sendAcksUpTo(runEnd);
  }

  /** Highest publish number confirmed to the client so far. */
  private lastSent = 0;

  private sendAcksUpTo(last: number): void {
    if (last <= this.lastSent) return;
    this.send(true, last, last - this.lastSent > 1);
    this.lastSent = last;
  }
}
