// The management UI: login, then a page per hash route (#/queues/%2F/name ...).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, onSessionChange } from './api';
import { Notices } from './components/form';
import { Layout } from './components/layout';
import { useRoute } from './hooks';
import { Admin } from './pages/admin';
import { Channels } from './pages/channels';
import { ConnectionPage, Connections } from './pages/connections';
import { ExchangePage, Exchanges } from './pages/exchanges';
import { Login } from './pages/login';
import { Overview } from './pages/overview';
import { QueuePage } from './pages/queue';
import { Queues } from './pages/queues';
import './style.css';

function Page({ route }: { route: string[] }) {
  const [section, a, b] = route;
  switch (section) {
    case undefined:
    case 'overview':
      return <Overview />;
    case 'connections':
      return a !== undefined ? <ConnectionPage name={a} /> : <Connections />;
    case 'channels':
      return <Channels />;
    case 'exchanges':
      return a !== undefined && b !== undefined ? <ExchangePage vhost={a} name={b} /> : <Exchanges />;
    case 'queues':
      return a !== undefined && b !== undefined ? <QueuePage vhost={a} name={b} /> : <Queues />;
    case 'admin':
      return <Admin tab={a} item={b} />;
    default:
      return <div class="card"><div class="card-body">No such page: {route.join('/')}</div></div>;
  }
}

function App() {
  const [session, setSession] = useState(currentSession());
  useEffect(() => onSessionChange(() => setSession(currentSession())), []);
  const route = useRoute();
  return (
    <>
      {session ? (
        <Layout session={session} section={route[0] ?? 'overview'}>
          <Page route={route} />
        </Layout>
      ) : (
        <Login />
      )}
      <Notices />
    </>
  );
}

render(<App />, document.getElementById('app')!);
