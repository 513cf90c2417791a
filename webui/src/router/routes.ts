// Every page of the UI. `meta.titleKey` names the page (menu label and document title),
// `meta.perm` the permission it needs (see stores/auth.ts `can`), `meta.public` pages need no
// sign-in. A page that is not built yet can point at views/ComingSoon.vue.
import type { RouteRecordRaw } from 'vue-router'

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


export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true, titleKey: 'login.title' },
  },
  {
    // The one-click approval page of a notification's link: no sign-in, no menu (see ActView).
    path: '/act/:token',
    name: 'act',
    component: () => import('@/views/act/ActView.vue'),
    meta: { public: true, titleKey: 'act.title' },
  },
  {
    path: '/',
    // Loaded after sign-in: the login page does not wait for the menu and header.
    component: () => import('@/layouts/AppLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { titleKey: 'nav.home' } },

      // Work on tickets
      { path: 'submit', name: 'submit', component: () => import('@/views/submit/SubmitView.vue'), meta: { titleKey: 'nav.submit', perm: 'ticket.submit' } },
      { path: 'services', name: 'services', component: () => import('@/views/services/ServiceCatalogView.vue'), meta: { titleKey: 'nav.services' } },
      { path: 'todo', name: 'todo', component: () => import('@/views/tickets/TodoView.vue'), meta: { titleKey: 'nav.todo' } },
      { path: 'execute', name: 'execute', component: () => import('@/views/execute/ExecuteView.vue'), meta: { titleKey: 'nav.execute' } },
      { path: 'tickets', name: 'my-tickets', component: () => import('@/views/tickets/MyTicketsView.vue'), meta: { titleKey: 'nav.myTickets' } },
      { path: 'tickets/:id(\\d+)', name: 'ticket', component: () => import('@/views/tickets/TicketDetailView.vue'), meta: { titleKey: 'nav.ticket' } },
      { path: 'calendar', name: 'calendar', component: () => import('@/views/calendar/CalendarView.vue'), meta: { titleKey: 'nav.calendar' } },
      { path: 'executions/:id(\\d+)', name: 'execution', component: () => import('@/views/execute/ExecutionView.vue'), meta: { titleKey: 'nav.execution' } },

      // Audit
      { path: 'audit', redirect: { name: 'audit-events' } },
      { path: 'audit/executions', name: 'audit-executions', component: () => import('@/views/audit/ExecutionsView.vue'), meta: { titleKey: 'nav.auditExecutions', perm: 'audit.read' } },
      { path: 'audit/events', name: 'audit-events', component: () => import('@/views/audit/AuditEventsView.vue'), meta: { titleKey: 'nav.auditEvents', perm: 'audit.read' } },

      // Administration
      { path: 'admin', redirect: { name: 'home' } },
      { path: 'admin/environments', name: 'admin-environments', component: () => import('@/views/admin/EnvironmentsView.vue'), meta: { titleKey: 'nav.environments', perm: 'catalog.manage' } },
      { path: 'admin/purposes', name: 'admin-purposes', component: () => import('@/views/admin/PurposesView.vue'), meta: { titleKey: 'nav.purposes', perm: 'catalog.manage' } },
      { path: 'admin/config', name: 'admin-config', component: () => import('@/views/admin/ConfigView.vue'), meta: { titleKey: 'nav.config', perm: 'catalog.manage' } },
      { path: 'admin/variables', name: 'admin-variables', component: () => import('@/views/admin/VariablesView.vue'), meta: { titleKey: 'nav.variables', perm: 'catalog.manage' } },
      { path: 'admin/templates', name: 'admin-templates', component: () => import('@/views/admin/TemplatesView.vue'), meta: { titleKey: 'nav.templates', perm: 'catalog.manage' } },
      { path: 'admin/workflows', name: 'admin-workflows', component: () => import('@/views/admin/WorkflowsView.vue'), meta: { titleKey: 'nav.workflows', perm: 'workflow.manage' } },
      { path: 'admin/catalog', name: 'admin-catalog', component: () => import('@/views/admin/CatalogAdminView.vue'), meta: { titleKey: 'nav.catalog', perm: 'catalog.manage' } },
      { path: 'admin/workflows/:id(\\d+)', name: 'admin-workflow-edit', component: () => import('@/views/admin/workflow/WorkflowDesignerView.vue'), meta: { titleKey: 'nav.workflowDesigner', perm: 'workflow.manage' } },
      { path: 'admin/workflows/new', name: 'admin-workflow-new', component: () => import('@/views/admin/workflow/WorkflowDesignerView.vue'), meta: { titleKey: 'nav.workflowDesigner', perm: 'workflow.manage' } },
      { path: 'admin/freezes', name: 'admin-freezes', component: () => import('@/views/admin/FreezeWindowsView.vue'), meta: { titleKey: 'nav.freezes', perm: 'change.freeze' } },
      { path: 'admin/chat-channels', name: 'admin-chat-channels', component: () => import('@/views/admin/ChatChannelsView.vue'), meta: { titleKey: 'nav.chatChannels', perm: 'catalog.manage' } },
      { path: 'admin/notifications', name: 'admin-notifications', component: () => import('@/views/admin/NotificationsView.vue'), meta: { titleKey: 'nav.notifications', perm: 'notification.manage' } },
      { path: 'admin/users', name: 'admin-users', component: () => import('@/views/admin/UsersView.vue'), meta: { titleKey: 'nav.users', perm: 'user.manage' } },
      { path: 'admin/roles', name: 'admin-roles', component: () => import('@/views/admin/RolesView.vue'), meta: { titleKey: 'nav.roles', perm: 'user.manage' } },
      { path: 'admin/businesses', name: 'admin-businesses', component: () => import('@/views/admin/BusinessesView.vue'), meta: { titleKey: 'nav.businesses', perm: 'user.manage' } },

      // Me
      { path: 'me/inbox', name: 'inbox', component: () => import('@/views/me/InboxView.vue'), meta: { titleKey: 'nav.inbox' } },
      { path: 'me/profile', name: 'profile', component: () => import('@/views/me/ProfileView.vue'), meta: { titleKey: 'nav.profile' } },
      { path: 'me/tokens', name: 'my-tokens', component: () => import('@/views/me/TokensView.vue'), meta: { titleKey: 'nav.myTokens' } },

      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { titleKey: 'notFound.title' } },
    ],
  },
]
