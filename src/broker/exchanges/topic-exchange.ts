import type { FieldTable } from '../../amqp/field-table.js';
import type { Binding, Destination } from '../binding.js';
import { Exchange } from '../exchange.js';

/** One level of the binding-pattern trie; `*` and `#` get their own edges. */
class TopicNode {
  readonly words = new Map<string, TopicNode>();
  star: TopicNode | null = null;
  hash: TopicNode | null = null;
  /** Destinations whose pattern ends here, with how many bindings lead to each. */
  readonly destinations = new Map<Destination, number>();

  get isEmpty(): boolean {
    return this.words.size === 0 && this.star === null && this.hash === null && this.destinations.size === 0;
  }
}

/**
 * Topic routing with RabbitMQ's semantics: keys and patterns are dot-separated words (empty words
 * count: "a..b" has three), `*` matches exactly one word, `#` zero or more. Patterns live in a
 * trie so a publish walks the words of its key once instead of testing every binding.
 */
export class TopicExchange extends Exchange {
  readonly type = 'topic';
  private readonly root = new TopicNode();

  route(routingKey: string, _headers: FieldTable | undefined, out: Set<Destination>): void {
    match(this.root, splitWords(routingKey), 0, out);
  }

  protected indexAdd(b: Binding): void {
    let node = this.root;
    for (const word of patternWords(b.routingKey)) {
      if (word === '*') node = node.star ??= new TopicNode();
      else if (word === '#') node = node.hash ??= new TopicNode();
      else {
        let next = node.words.get(word);
        if (!next) node.words.set(word, (next = new TopicNode()));
        node = next;
      }
    }
    node.destinations.set(b.destination, (node.destinations.get(b.destination) ?? 0) + 1);
  }

  protected indexRemove(b: Binding): void {
    remove(this.root, patternWords(b.routingKey), 0, b.destination);
  }
}

/** RabbitMQ splits "" into zero words and "a." into ["a", ""]. */
function splitWords(key: string): string[] {
  return key === '' ? [] : key.split('.');
}

/**
 * A binding pattern's words with runs of '#' collapsed ("#.#" matches what "#" matches): without
 * this, each extra '#' multiplies the work of matching a long key.
 */
function patternWords(pattern: string): string[] {
  const words = splitWords(pattern);
  return words.filter((w, i) => !(w === '#' && words[i - 1] === '#'));
}

function match(node: TopicNode, words: string[], i: number, out: Set<Destination>): void {
  if (node.hash !== null) {
    // '#' absorbs any number of words, including none.
    for (let j = i; j <= words.length; j++) match(node.hash, words, j, out);
  }
  if (i === words.length) {
    for (const d of node.destinations.keys()) out.add(d);
    return;
  }
  const next = node.words.get(words[i]);
  if (next !== undefined) match(next, words, i + 1, out);
  if (node.star !== null) match(node.star, words, i + 1, out);
}

/** Removes one binding's destination and prunes nodes left empty. */
function remove(node: TopicNode, words: string[], i: number, dest: Destination): void {
  if (i === words.length) {
    const n = (node.destinations.get(dest) ?? 1) - 1;
    if (n <= 0) node.destinations.delete(dest);
    else node.destinations.set(dest, n);
    return;
  }
  const word = words[i];
  const child = word === '*' ? node.star : word === '#' ? node.hash : node.words.get(word) ?? null;
  if (child === null) return;
  remove(child, words, i + 1, dest);
  if (!child.isEmpty) return;
  if (word === '*') node.star = null;
  else if (word === '#') node.hash = null;
  else node.words.delete(word);
}
