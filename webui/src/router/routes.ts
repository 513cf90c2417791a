// Every page of the UI. `meta.titleKey` names the page (menu label and document title),
// `meta.perm` the permission it needs (see stores/auth.ts `can`), `meta.public` pages need no
// sign-in. Pages that are not built yet use ComingSoon.vue; replace `component` when building one.
import type { RouteRecordRaw } from 'vue-router'
import AppLayout from '@/layouts/AppLayout.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title. */
    titleKey?: string
    /** Permission the page needs; admin has all. */
    perm?: string
    /** Reachable without signing in. */
    public?: boolean
  }
}

const ComingSoon = () => import('@/views/ComingSoon.vue')

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true, titleKey: 'login.title' },
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      { path: '', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { titleKey: 'nav.home' } },

      // Work on tickets
      { path: 'submit', name: 'submit', component: ComingSoon, meta: { titleKey: 'nav.submit', perm: 'ticket.submit' } },
      { path: 'services', name: 'services', component: ComingSoon, meta: { titleKey: 'nav.services' } },
      { path: 'todo', name: 'todo', component: ComingSoon, meta: { titleKey: 'nav.todo' } },
      { path: 'execute', name: 'execute', component: ComingSoon, meta: { titleKey: 'nav.execute' } },
      { path: 'tickets', name: 'my-tickets', component: ComingSoon, meta: { titleKey: 'nav.myTickets' } },

      // Audit
      { path: 'audit', redirect: { name: 'audit-events' } },
      { path: 'audit/executions', name: 'audit-executions', component: ComingSoon, meta: { titleKey: 'nav.auditExecutions', perm: 'audit.read' } },
      { path: 'audit/events', name: 'audit-events', component: () => import('@/views/audit/AuditEventsView.vue'), meta: { titleKey: 'nav.auditEvents', perm: 'audit.read' } },

      // Administration
      { path: 'admin', redirect: { name: 'home' } },
      { path: 'admin/environments', name: 'admin-environments', component: ComingSoon, meta: { titleKey: 'nav.environments', perm: 'catalog.manage' } },
      { path: 'admin/purposes', name: 'admin-purposes', component: ComingSoon, meta: { titleKey: 'nav.purposes', perm: 'catalog.manage' } },
      { path: 'admin/config', name: 'admin-config', component: ComingSoon, meta: { titleKey: 'nav.config', perm: 'catalog.manage' } },
      { path: 'admin/variables', name: 'admin-variables', component: ComingSoon, meta: { titleKey: 'nav.variables', perm: 'catalog.manage' } },
      { path: 'admin/templates', name: 'admin-templates', component: ComingSoon, meta: { titleKey: 'nav.templates', perm: 'catalog.manage' } },
      { path: 'admin/workflows', name: 'admin-workflows', component: ComingSoon, meta: { titleKey: 'nav.workflows', perm: 'workflow.manage' } },
      { path: 'admin/catalog', name: 'admin-catalog', component: ComingSoon, meta: { titleKey: 'nav.catalog', perm: 'catalog.manage' } },
      { path: 'admin/users', name: 'admin-users', component: () => import('@/views/admin/UsersView.vue'), meta: { titleKey: 'nav.users', perm: 'user.manage' } },
      { path: 'admin/roles', name: 'admin-roles', component: () => import('@/views/admin/RolesView.vue'), meta: { titleKey: 'nav.roles', perm: 'user.manage' } },
      { path: 'admin/businesses', name: 'admin-businesses', component: () => import('@/views/admin/BusinessesView.vue'), meta: { titleKey: 'nav.businesses', perm: 'user.manage' } },

      // Me
      { path: 'me/tokens', name: 'my-tokens', component: () => import('@/views/me/TokensView.vue'), meta: { titleKey: 'nav.myTokens' } },

      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { titleKey: 'notFound.title' } },
    ],
  },
]
