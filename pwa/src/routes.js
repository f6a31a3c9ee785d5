// The app's screens; the router checks `auth` and `roles` before loading one.
import { addRoutes } from './router.js';

addRoutes([
  { path: '/', tab: 'home', load: () => import('./screens/home.js') },
  { path: '/report', tab: 'report', load: () => import('./screens/report.js') },
  { path: '/cases/:id', tab: 'home', load: () => import('./screens/case.js') },
  { path: '/my', tab: 'my', load: () => import('./screens/my-cases.js') },
  { path: '/proposals', tab: 'proposals', load: () => import('./screens/proposals.js') },
  { path: '/proposals/new', tab: 'proposals', auth: true, load: () => import('./screens/proposal-new.js') },
  { path: '/proposals/:id', tab: 'proposals', load: () => import('./screens/proposal.js') },
  { path: '/moderation/log', tab: 'account', load: () => import('./screens/moderation-log.js') },
  { path: '/dashboard', load: () => import('./screens/dashboard.js') },
  { path: '/alerts', load: () => import('./screens/alerts.js') },
  { path: '/alerts/:id', load: () => import('./screens/alerts.js') },
  { path: '/notifications', auth: true, load: () => import('./screens/notifications.js') },
  { path: '/account', tab: 'account', load: () => import('./screens/account.js') },
  { path: '/settings', tab: 'account', load: () => import('./screens/account.js') },
  { path: '/login', tab: 'account', load: () => import('./screens/login.js') },
  { path: '/register', tab: 'account', load: () => import('./screens/login.js') },
  { path: '/verify', tab: 'account', load: () => import('./screens/account-links.js') },
  { path: '/reset-password', tab: 'account', load: () => import('./screens/account-links.js') },
  // Staff, volunteers and admins: their desks, loaded only by them.
  { path: '/staff', tab: 'desk', roles: ['staff'], load: () => import('./screens/staff-inbox.js') },
  { path: '/staff/cases/:id', tab: 'desk', roles: ['staff'], load: () => import('./screens/staff-inbox.js') },
  { path: '/incidents', tab: 'desk', roles: ['staff'], load: () => import('./screens/incidents.js') },
  { path: '/incidents/new', tab: 'desk', roles: ['staff'], load: () => import('./screens/incidents.js') },
  // An incident's public view for everyone (after /incidents/new); its staff also act on it there.
  { path: '/incidents/:id', load: () => import('./screens/incident.js') },
  { path: '/staff/proposals', tab: 'desk', roles: ['staff'], load: () => import('./screens/staff-proposals.js') },
  // Heads open these two for their own departments; the screen and the API narrow it.
  { path: '/admin', tab: 'account', roles: ['staff'], load: () => import('./screens/admin.js') },
  { path: '/admin/categories', tab: 'account', roles: ['staff'], load: () => import('./screens/admin.js') },
  { path: '/admin/users', tab: 'account', roles: ['admin'], load: () => import('./screens/admin.js') },
  { path: '/admin/audit', tab: 'account', roles: ['admin'], load: () => import('./screens/admin.js') },
  { path: '/admin/keys', tab: 'account', roles: ['admin'], load: () => import('./screens/admin.js') },
  { path: '/admin/topics', tab: 'account', roles: ['admin'], load: () => import('./screens/admin.js') },
  { path: '/admin/settings', tab: 'account', roles: ['admin'], load: () => import('./screens/admin.js') },
  { path: '/moderation', tab: 'desk', roles: ['volunteer'], load: () => import('./screens/moderation-desk.js') },
  { path: '*', load: () => import('./screens/not-found.js') },
]);
