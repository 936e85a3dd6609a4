// Building blocks for the pages' forms: cards, fields, an x-arguments editor, action buttons that
// report errors, and short-lived notices.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function Card(props: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; testId?: string; class?: string }) {
  return (
    <section class={`card ${props.class ?? ''}`} data-testid={props.testId}>
      {(props.title || props.actions) && (
        <header class="card-head">
          <h2>{props.title}</h2>
          <div class="card-actions">{props.actions}</div>
        </header>
      )}
      <div class="card-body">{props.children}</div>
    </section>
  );
}

/** A card that starts closed, for the "Add …" forms under lists. */
export function Collapsible(props: { title: string; children: ComponentChildren; open?: boolean; testId?: string }) {
  return (
    <details class="card collapsible" open={props.open} data-testid={props.testId}>
      <summary><h2>{props.title}</h2></summary>
      <div class="card-body">{props.children}</div>
    </details>
  );
}

export function Field(props: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      {props.children}
      {props.hint && <span class="field-hint">{props.hint}</span>}
    </label>
  );
}

interface InputProps {
  value: string;
  onValue: (v: string) => void;
  name?: string;
  required?: boolean;
  placeholder?: string;
  inputMode?: 'numeric' | 'text';
}

export function TextInput({ value, onValue, ...rest }: InputProps) {
  return <input type="text" {...rest} value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} />;
}

export function Select(props: { value: string; onValue: (v: string) => void; options: (string | [string, string])[]; name?: string; testId?: string }) {
  return (
    <select name={props.name} value={props.value} data-testid={props.testId} onChange={(e) => props.onValue((e.target as HTMLSelectElement).value)}>
      {props.options.map((o) => {
        const [v, label] = typeof o === 'string' ? [o, o] : o;
        return <option key={v} value={v}>{label}</option>;
      })}
    </select>
  );
}

// ---- notices -------------------------------------------------------------------------------

interface Notice {
  id: number;
  text: string;
  kind: 'ok' | 'error';
}
let notices: Notice[] = [];
let nextId = 1;
const noticeListeners = new Set<() => void>();

/** Shows a short message in the corner (errors stay until closed). */
export function notify(text: string, kind: Notice['kind'] = 'ok'): void {
  const n = { id: nextId++, text, kind };
  notices = [...notices, n];
  noticeListeners.forEach((f) => f());
  if (kind === 'ok') setTimeout(() => dismiss(n.id), 4000);
}

function dismiss(id: number): void {
  notices = notices.filter((n) => n.id !== id);
  noticeListeners.forEach((f) => f());
}

export function Notices() {
  const [, force] = useState(0);
  useEffect(() => {
    const f = () => force((n) => n + 1);
    noticeListeners.add(f);
    return () => noticeListeners.delete(f);
  }, []);
  return (
    <div class="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} class={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" class="close" aria-label="Dismiss" onClick={() => dismiss(n.id)}>×</button>
        </div>
      ))}
    </div>
  );
}

/**
 * A form whose submit runs an async action: the button is disabled meanwhile, an error is shown
 * under the form, success is announced with `done`.
 */
export function ActionForm(props: { onSubmit: () => Promise<unknown>; submit: string; done?: string; children: ComponentChildren; testId?: string; danger?: boolean; confirm?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (props.confirm && !confirm(props.confirm)) return;
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit();
      if (props.done) notify(props.done);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={submit} data-testid={props.testId}>
      {props.children}
      <div class="form-actions">
        <button type="submit" class={`btn ${props.danger ? 'danger' : 'primary'}`} disabled={busy}>{busy ? 'Working…' : props.submit}</button>
        {error && <span class="form-error" role="alert">{error}</span>}
      </div>
    </form>
  );
}

/** A button running one async action (delete, purge, close), with an optional confirmation. */
export function ActionButton(props: { label: string; action: () => Promise<unknown>; confirm?: string; done?: string; danger?: boolean; small?: boolean; testId?: string }) {
  const [busy, setBusy] = useState(false);
  const click = async () => {
    if (props.confirm && !confirm(props.confirm)) return;
    setBusy(true);
    try {
      await props.action();
      if (props.done) notify(props.done);
    } catch (err) {
      notify(err instanceof Error ? err.message : String(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" data-testid={props.testId} class={`btn ${props.danger ? 'danger' : ''} ${props.small ? 'small' : ''}`} disabled={busy} onClick={click}>
      {props.label}
    </button>
  );
}

// ---- x-arguments ---------------------------------------------------------------------------

export type ArgType = 'string' | 'number' | 'boolean' | 'list';
export interface ArgRow {
  key: string;
  value: string;
  type: ArgType;
}

/** The typed JSON object the API takes for `arguments` (and policy definitions). */
export function argsToJson(rows: ArgRow[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of rows) {
    if (r.key.trim() === '') continue;
    const v = r.value.trim();
    if (r.type === 'number') {
      const n = Number(v);
      if (v === '' || Number.isNaN(n)) throw new Error(`${r.key}: '${r.value}' is not a number`);
      out[r.key.trim()] = n;
    } else if (r.type === 'boolean') out[r.key.trim()] = v === 'true';
    else if (r.type === 'list') out[r.key.trim()] = v === '' ? [] : v.split(',').map((s) => s.trim());
    else out[r.key.trim()] = r.value;
  }
  return out;
}

/** Rows for the editor from an existing object (editing a policy). */
export function jsonToArgs(obj: Record<string, unknown>): ArgRow[] {
  return Object.entries(obj).map(([key, v]) => ({
    key,
    value: Array.isArray(v) ? v.join(', ') : String(v),
    type: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : Array.isArray(v) ? 'list' : 'string',
  }));
}

export function ArgsEditor(props: { rows: ArgRow[]; onRows: (r: ArgRow[]) => void; presets?: [string, ArgType, string][]; label?: string }) {
  const rows = props.rows.length > 0 && props.rows[props.rows.length - 1].key === '' ? props.rows : [...props.rows, { key: '', value: '', type: 'string' as ArgType }];
  const update = (i: number, patch: Partial<ArgRow>) => props.onRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)).filter((r, j) => r.key !== '' || r.value !== '' || j === rows.length - 1));
  const add = (key: string, type: ArgType) => {
    const filled = rows.filter((r) => r.key !== '');
    if (!filled.some((r) => r.key === key)) props.onRows([...filled, { key, value: type === 'boolean' ? 'true' : '', type }]);
  };
  return (
    <div class="field args">
      <span class="field-label">{props.label ?? 'Arguments'}</span>
      {rows.map((r, i) => (
        <div class="arg-row" key={i}>
          <input type="text" placeholder="key" value={r.key} aria-label="Argument name" onInput={(e) => update(i, { key: (e.target as HTMLInputElement).value })} />
          <span>=</span>
          <input type="text" placeholder="value" value={r.value} aria-label="Argument value" onInput={(e) => update(i, { value: (e.target as HTMLInputElement).value })} />
          <select value={r.type} aria-label="Argument type" onChange={(e) => update(i, { type: (e.target as HTMLSelectElement).value as ArgType })}>
            <option value="string">String</option>
            <option value="number">Number</option>
            <option value="boolean">Boolean</option>
            <option value="list">List</option>
          </select>
        </div>
      ))}
      {props.presets && (
        <div class="presets">
          Add: {props.presets.map(([key, type, label]) => (
            <button type="button" class="link" key={key} title={key} onClick={() => add(key, type)}>{label}</button>
          ))}
        </div>
      )}
    </div>
  );
}

export function Checkbox(props: { label: string; checked: boolean; onChecked: (v: boolean) => void; name?: string }) {
  return (
    <label class="check">
      <input type="checkbox" name={props.name} checked={props.checked} onChange={(e) => props.onChecked((e.target as HTMLInputElement).checked)} /> {props.label}
    </label>
  );
}

/** Key/value pairs shown as a definition list (object details). */
export function Facts(props: { items: [string, ComponentChildren][]; testId?: string }) {
  return (
    <dl class="facts" data-testid={props.testId}>
      {props.items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ErrorBox(props: { error: Error | undefined }) {
  return props.error ? <div class="error-box" role="alert">{props.error.message}</div> : null;
}
