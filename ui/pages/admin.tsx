// Admin: users, virtual hosts, policies, limits and definitions, one tab each.
import { isAdmin } from '../api';
import { href } from '../hooks';
import { Definitions } from './admin-definitions';
import { Limits } from './admin-limits';
import { Policies } from './admin-policies';
import { UserPage, Users } from './admin-users';
import { VhostPage, Vhosts } from './admin-vhosts';

const tabs: [string, string][] = [
  ['users', 'Users'],
  ['vhosts', 'Virtual hosts'],
  ['policies', 'Policies'],
  ['limits', 'Limits'],
  ['definitions', 'Definitions'],
];

export function Admin(props: { tab?: string; item?: string }) {
  const tab = props.tab ?? 'users';
  if (!isAdmin()) return <div class="card"><div class="card-body">The admin pages need the administrator tag.</div></div>;
  return (
    <div class="page">
      <div class="page-head"><h1>Admin</h1></div>
      <nav class="tabs" aria-label="Admin sections">
        {tabs.map(([t, label]) => <a key={t} href={href('admin', t)} class={t === tab ? 'active' : ''}>{label}</a>)}
      </nav>
      {tab === 'users' && (props.item !== undefined ? <UserPage name={props.item} /> : <Users />)}
      {tab === 'vhosts' && (props.item !== undefined ? <VhostPage name={props.item} /> : <Vhosts />)}
      {tab === 'policies' && <Policies />}
      {tab === 'limits' && <Limits />}
      {tab === 'definitions' && <Definitions />}
    </div>
  );
}
