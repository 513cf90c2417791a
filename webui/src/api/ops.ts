// Calls for the catalog, workflows, services, tickets, executions and notifications, through
// the typed client (paths and bodies checked against api-spec/openapi.yaml). Pages use these
// instead of spelling paths, so a change in the spec shows up here as a type error.
import { api, looseApi, unwrap, ifMatch } from './client'
import type { components, paths } from './schema'
import type { Page } from './contract'

type S = components['schemas']
type Q<P extends keyof paths, M extends 'get'> = paths[P][M] extends { parameters: { query?: infer T } } ? NonNullable<T> : never

/** Every item of a cursor-paginated list (admin lists are small; stops after 20 pages). */
export async function collect<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = []
  let cursor: string | undefined
  for (let i = 0; i < 20; i++) {
    const page = await fetchPage(cursor)
    out.push(...page.items)
    if (!page.next_cursor) break
    cursor = page.next_cursor
  }
  return out
}

const key = (k: string) => ({ path: { key: k } })
const id = (n: number) => ({ path: { id: n } })

// ---- environments and purposes

export const environments = {
  list: () => unwrap(api.GET('/api/v1/environments')).then((p) => p.items),
  create: (body: S['EnvironmentCreate']) => unwrap(api.POST('/api/v1/environments', { body })),
  update: (k: string, body: S['EnvironmentUpdate'], version: number) =>
    unwrap(api.PATCH('/api/v1/environments/{key}', { params: { ...key(k), header: ifMatch(version) }, body })),
  remove: (k: string) => unwrap(api.DELETE('/api/v1/environments/{key}', { params: key(k) })),
}

export const purposes = {
  list: () => unwrap(api.GET('/api/v1/purposes')).then((p) => p.items),
  create: (body: S['PurposeCreate']) => unwrap(api.POST('/api/v1/purposes', { body })),
  update: (k: string, body: S['PurposeUpdate'], version: number) =>
    unwrap(api.PATCH('/api/v1/purposes/{key}', { params: { ...key(k), header: ifMatch(version) }, body })),
  remove: (k: string) => unwrap(api.DELETE('/api/v1/purposes/{key}', { params: key(k) })),
}

// ---- config center

const ek = (env: string, k: string) => ({ path: { env, key: k } })

export const config = {
  list: (env: string) => unwrap(api.GET('/api/v1/config/{env}', { params: { path: { env } } })).then((p) => p.items),
  get: (env: string, k: string) => unwrap(api.GET('/api/v1/config/{env}/{key}', { params: ek(env, k) })),
  put: (env: string, k: string, body: S['ConfigPut'], version?: number) =>
    unwrap(api.PUT('/api/v1/config/{env}/{key}', { params: { ...ek(env, k), header: version !== undefined ? ifMatch(version) : {} }, body })),
  remove: (env: string, k: string) => unwrap(api.DELETE('/api/v1/config/{env}/{key}', { params: ek(env, k) })),
  revisions: (env: string, k: string) =>
    collect((cursor) => unwrap(api.GET('/api/v1/config/{env}/{key}/revisions', { params: { ...ek(env, k), query: { limit: 500, cursor } } }))),
  diff: (env: string, k: string, from: number, to: number) =>
    unwrap(api.GET('/api/v1/config/{env}/{key}/diff', { params: { ...ek(env, k), query: { from, to } } })),
  rollback: (env: string, k: string, revision: number) =>
    unwrap(api.POST('/api/v1/config/{env}/{key}/rollback', { params: ek(env, k), body: { revision } })),
}

// ---- variables

const nm = (name: string) => ({ path: { name } })

export const variables = {
  list: () => unwrap(api.GET('/api/v1/variables')).then((p) => p.items),
  get: (name: string) => unwrap(api.GET('/api/v1/variables/{name}', { params: nm(name) })),
  create: (body: S['VariableCreate']) => unwrap(api.POST('/api/v1/variables', { body })),
  update: (name: string, body: S['VariableUpdate'], version: number) =>
    unwrap(api.PATCH('/api/v1/variables/{name}', { params: { ...nm(name), header: ifMatch(version) }, body })),
  remove: (name: string) => unwrap(api.DELETE('/api/v1/variables/{name}', { params: nm(name) })),
  /** The list a submitter picks from (runs a script-fed variable's command when its cache is stale). */
  options: (name: string, opts: { refresh?: boolean; signal?: AbortSignal } = {}) =>
    unwrap(api.GET('/api/v1/variables/{name}/options', { params: { ...nm(name), query: opts.refresh ? { refresh: true } : {} }, signal: opts.signal })),
  register: (name: string, options: S['VariableOptionsInput']) =>
    unwrap(api.PUT('/api/v1/variables/{name}/options', { params: nm(name), body: options })),
}

// ---- templates

export const templates = {
  list: (query: Q<'/api/v1/templates', 'get'> = {}) =>
    collect((cursor) => unwrap(api.GET('/api/v1/templates', { params: { query: { ...query, limit: 500, cursor } } }))),
  get: (n: number) => unwrap(api.GET('/api/v1/templates/{id}', { params: id(n) })),
  create: (body: S['TemplateCreate']) => unwrap(api.POST('/api/v1/templates', { body })),
  update: (n: number, body: S['TemplateUpdate'], version: number) =>
    unwrap(api.PATCH('/api/v1/templates/{id}', { params: { ...id(n), header: ifMatch(version) }, body })),
  remove: (n: number) => unwrap(api.DELETE('/api/v1/templates/{id}', { params: id(n) })),
  preview: (n: number, variables: Record<string, string | string[]>) =>
    unwrap(api.POST('/api/v1/templates/{id}/preview', { params: id(n), body: { variables } })),
}

// ---- workflows, catalog, services

export const workflows = {
  list: () => collect((cursor) => unwrap(api.GET('/api/v1/workflows', { params: { query: { limit: 500, cursor } } }))),
  get: (n: number) => unwrap(api.GET('/api/v1/workflows/{id}', { params: id(n) })),
  create: (body: S['WorkflowInput']) => unwrap(api.POST('/api/v1/workflows', { body })),
  save: (n: number, body: S['WorkflowInput'], version: number) =>
    unwrap(api.PUT('/api/v1/workflows/{id}', { params: { ...id(n), header: ifMatch(version) }, body })),
  deploy: (n: number) => unwrap(api.POST('/api/v1/workflows/{id}/deploy', { params: id(n) })),
  versions: (n: number) => unwrap(api.GET('/api/v1/workflows/{id}/versions', { params: id(n) })).then((p) => p.items),
  version: (n: number, version: number) =>
    unwrap(api.GET('/api/v1/workflows/{id}/versions/{version}', { params: { path: { id: n, version } } })),
}

export const catalog = {
  tree: () => unwrap(api.GET('/api/v1/catalog')),
  create: (body: S['CatalogDirCreate']) => unwrap(api.POST('/api/v1/catalog', { body })),
  update: (n: number, body: S['CatalogDirUpdate'], version: number) =>
    unwrap(api.PATCH('/api/v1/catalog/{id}', { params: { ...id(n), header: ifMatch(version) }, body })),
  remove: (n: number) => unwrap(api.DELETE('/api/v1/catalog/{id}', { params: id(n) })),
}

export const services = {
  list: (catalog_id?: number) => unwrap(api.GET('/api/v1/services', { params: { query: { catalog_id } } })).then((p) => p.items),
  get: (n: number) => unwrap(api.GET('/api/v1/services/{id}', { params: id(n) })),
  create: (body: S['ServiceCreate']) => unwrap(api.POST('/api/v1/services', { body })),
  update: (n: number, body: S['ServiceUpdate'], version: number) =>
    unwrap(api.PATCH('/api/v1/services/{id}', { params: { ...id(n), header: ifMatch(version) }, body })),
  remove: (n: number) => unwrap(api.DELETE('/api/v1/services/{id}', { params: id(n) })),
}

// ---- tickets

export type TicketQuery = Q<'/api/v1/tickets', 'get'>

export const tickets = {
  list: (query: TicketQuery) => unwrap(api.GET('/api/v1/tickets', { params: { query } })),
  todo: (query: Q<'/api/v1/todo', 'get'> = {}) => unwrap(api.GET('/api/v1/todo', { params: { query } })),
  get: (n: number) => unwrap(api.GET('/api/v1/tickets/{id}', { params: id(n) })),
  create: (body: S['TicketCreate'], idempotencyKey?: string) =>
    unwrap(api.POST('/api/v1/tickets', { params: { header: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} }, body })),
  approve: (n: number, body: S['TicketApprove']) => unwrap(api.POST('/api/v1/tickets/{id}/approve', { params: id(n), body })),
  reject: (n: number, body: S['TicketReject']) => unwrap(api.POST('/api/v1/tickets/{id}/reject', { params: id(n), body })),
  fill: (n: number, body: S['TicketFields']) => unwrap(api.POST('/api/v1/tickets/{id}/fill', { params: id(n), body })),
  evaluate: (n: number, body: S['TicketFields']) => unwrap(api.POST('/api/v1/tickets/{id}/evaluate', { params: id(n), body })),
  execute: (n: number, body: S['TicketExecute'] = {}) => unwrap(api.POST('/api/v1/tickets/{id}/execute', { params: id(n), body })),
  retry: (n: number, body: S['TicketExecute'] = {}) => unwrap(api.POST('/api/v1/tickets/{id}/retry', { params: id(n), body })),
  withdraw: (n: number, body: S['TicketWithdraw']) => unwrap(api.POST('/api/v1/tickets/{id}/withdraw', { params: id(n), body })),
  transfer: (n: number, body: S['TicketTransfer']) => unwrap(api.POST('/api/v1/tickets/{id}/transfer', { params: id(n), body })),
  comment: (n: number, text: string) => unwrap(api.POST('/api/v1/tickets/{id}/comments', { params: id(n), body: { text } })),
  setWindow: (n: number, body: S['TicketWindow'], version: number) =>
    unwrap(api.PUT('/api/v1/tickets/{id}/window', { params: { ...id(n), header: ifMatch(version) }, body })),
  returnTo: (n: number, body: S['TicketReturn']) => unwrap(api.POST('/api/v1/tickets/{id}/return', { params: id(n), body })),
  /** What executing (or retrying) would run now: argv with secrets masked, hosts, environment. */
  executionPreview: (n: number) => unwrap<unknown>(looseApi.GET('/api/v1/tickets/{id}/execution-preview', { params: id(n) })),
}

// ---- executions

export type ExecutionQuery = Q<'/api/v1/executions', 'get'>

export const executions = {
  list: (query: ExecutionQuery) => unwrap(api.GET('/api/v1/executions', { params: { query } })),
  get: (n: number) => unwrap(api.GET('/api/v1/executions/{id}', { params: id(n) })),
  log: (n: number, offset: number, wait?: number, signal?: AbortSignal) =>
    unwrap(api.GET('/api/v1/executions/{id}/log', { params: { ...id(n), query: { offset, wait } }, signal })),
  cancel: (n: number) => unwrap(api.POST('/api/v1/executions/{id}/cancel', { params: id(n) })),
}

// ---- notifications

export const notifications = {
  deliveries: (query: Q<'/api/v1/notifications', 'get'>) => unwrap(api.GET('/api/v1/notifications', { params: { query } })),
  get: (n: number) => unwrap(api.GET('/api/v1/notifications/{id}', { params: id(n) })),
  retry: (n: number) => unwrap(api.POST('/api/v1/notifications/{id}/retry', { params: id(n) })),
  test: (to: string) => unwrap(api.POST('/api/v1/notifications/test', { body: { to } })),
  webhooks: () => collect((cursor) => unwrap(api.GET('/api/v1/webhooks', { params: { query: { limit: 500, cursor } } }))),
  createWebhook: (body: S['WebhookCreate']) => unwrap(api.POST('/api/v1/webhooks', { body })),
  updateWebhook: (n: number, body: S['WebhookUpdate'], version: number) =>
    unwrap(api.PATCH('/api/v1/webhooks/{id}', { params: { ...id(n), header: ifMatch(version) }, body })),
  removeWebhook: (n: number) => unwrap(api.DELETE('/api/v1/webhooks/{id}', { params: id(n) })),
}

// ---- change calendar and freeze windows

export type CalendarQuery = Q<'/api/v1/calendar', 'get'>

export const calendar = {
  get: (query: CalendarQuery) => unwrap(api.GET('/api/v1/calendar', { params: { query } })),
  /** The same range as an iCalendar file, for a download link. */
  ics: (query: CalendarQuery) => unwrap(api.GET('/api/v1/calendar.ics', { params: { query }, parseAs: 'blob' })) as Promise<Blob>,
}

export const freezeWindows = {
  list: () => unwrap(api.GET('/api/v1/freeze-windows')).then((p) => p.items),
  create: (body: S['FreezeWindowInput']) => unwrap(api.POST('/api/v1/freeze-windows', { body })),
  replace: (n: number, body: S['FreezeWindowInput'], version: number) =>
    unwrap(api.PUT('/api/v1/freeze-windows/{id}', { params: { ...id(n), header: ifMatch(version) }, body })),
  remove: (n: number, version: number) =>
    unwrap(api.DELETE('/api/v1/freeze-windows/{id}', { params: { ...id(n), header: ifMatch(version) } })),
}

// ---- chat channels

export const chatChannels = {
  list: () => collect((cursor) => unwrap(api.GET('/api/v1/chat-channels', { params: { query: { limit: 500, cursor } } }))),
  create: (body: S['ChatChannelInput']) => unwrap(api.POST('/api/v1/chat-channels', { body })),
  replace: (n: number, body: S['ChatChannelInput'], version: number) =>
    unwrap(api.PUT('/api/v1/chat-channels/{id}', { params: { ...id(n), header: ifMatch(version) }, body })),
  remove: (n: number, version: number) => unwrap(api.DELETE('/api/v1/chat-channels/{id}', { params: { ...id(n), header: ifMatch(version) } })),
  test: (n: number) => unwrap(api.POST('/api/v1/chat-channels/{id}/test', { params: id(n) })),
}

// ---- my inbox

export type InboxQuery = Q<'/api/v1/me/inbox', 'get'>

export const inbox = {
  page: (query: InboxQuery) => unwrap(api.GET('/api/v1/me/inbox', { params: { query } })),
  count: () => unwrap(api.GET('/api/v1/me/inbox/count')).then((r) => r.unread),
  read: (body: S['InboxRead']) => unwrap(api.POST('/api/v1/me/inbox/read', { body })).then((r) => r.unread),
}

// ---- one-click approval links (public: the link is the credential)

export const actionLinks = {
  open: (token: string) => unwrap(api.GET('/api/v1/action-links/{token}', { params: { path: { token } } })),
  decide: (token: string, body: S['ActionLinkDecision']) =>
    unwrap(api.POST('/api/v1/action-links/{token}', { params: { path: { token } }, body })),
}
