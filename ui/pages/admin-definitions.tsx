import { useState } from 'preact/hooks';
import { api, get, seg } from '../api';
import { ActionForm, Card, Field, notify, Select } from '../components/form';
import { useVhostNames } from '../components/layout';

/** Offers a JSON document as a file download. */
function download(name: string, json: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Definitions() {
  const vhosts = useVhostNames();
  const [exportVhost, setExportVhost] = useState('');
  const [importVhost, setImportVhost] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const scope = (v: string) => (v === '' ? '/api/definitions' : `/api/definitions/${seg(v)}`);
  const options: [string, string][] = [['', 'All'], ...vhosts.map((v): [string, string] => [v, v])];
  return (
    <>
      <Card title="Export definitions" testId="export-definitions">
        <p class="muted">Users, virtual hosts, permissions, policies, parameters, queues, exchanges and bindings, in RabbitMQ's definitions format.</p>
        <ActionForm submit="Download broker definitions" onSubmit={async () => {
          const defs = await get<unknown>(scope(exportVhost));
          const date = new Date().toISOString().slice(0, 10);
          download(`warren_${exportVhost === '' ? '' : `${exportVhost.replace(/[^\w.-]+/g, '_')}_`}${date}.json`, defs);
        }}>
          <Field label="Virtual host"><Select value={exportVhost} onValue={setExportVhost} options={options} /></Field>
        </ActionForm>
      </Card>
      <Card title="Import definitions" testId="import-definitions">
        <p class="muted">Merges a definitions file (from Warren or RabbitMQ) into this broker; existing objects are kept.</p>
        <ActionForm submit="Upload broker definitions" onSubmit={async () => {
          if (!file) throw new Error('Choose a definitions file first');
          let json: unknown;
          try {
            json = JSON.parse(await file.text());
          } catch {
            throw new Error(`${file.name} is not a JSON file`);
          }
          await api('POST', scope(importVhost), json);
          notify(`Definitions from ${file.name} imported.`);
        }}>
          <div class="row">
            <Field label="Definitions file"><input type="file" accept=".json,application/json" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} /></Field>
            <Field label="Into virtual host"><Select value={importVhost} onValue={setImportVhost} options={options} /></Field>
          </div>
        </ActionForm>
      </Card>
    </>
  );
}
