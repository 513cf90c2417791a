// Short names for the work resources of api-spec/openapi.yaml (catalog, workflows, services,
// tickets, executions, notifications), generated into schema.d.ts by `npm run gen:api`.
import type { components } from './schema'

type S = components['schemas']

export type Environment = S['Environment']
export type Purpose = S['Purpose']
export type ConfigEntry = S['ConfigEntry']
export type ConfigRevision = S['ConfigRevision']
export type ConfigDiff = S['ConfigDiff']
export type Option = S['Option']
export type Variable = S['Variable']
export type VariableOptions = S['VariableOptions']
export type Template = S['Template']
export type TemplateVariable = S['TemplateVariable']
export type TemplateCreate = S['TemplateCreate']
export type FormField = S['FormField']
export type TemplatePreview = S['TemplatePreview']

export type FieldDef = S['WorkflowField']
export type FieldType = FieldDef['type']
export type Operators = S['WorkflowOperators']
export type WorkflowNode = S['WorkflowNode']
export type NodeType = WorkflowNode['type']
export type Transition = S['WorkflowTransition']
export type Condition = S['WorkflowCondition']
export type ConditionOp = Condition['op']
export type NotifyPolicy = S['WorkflowNotify']
export type WorkflowDefinition = S['WorkflowInput']
export type Workflow = S['Workflow']
export type WorkflowVersion = S['WorkflowVersion']
export type WorkflowVersionSummary = S['WorkflowVersionSummary']

/** An approval node's rule (the spec leaves it untyped: a string or an object). */
export type ApprovalRule = 'any' | 'all' | { at_least: number }

export type CatalogDir = S['CatalogDir']
export type CatalogTreeNode = S['CatalogTreeNode']
export type CatalogTree = S['CatalogTree']
export type Service = S['Service']

export type TicketStatus = S['TicketStatus']
export type TicketAction = S['TicketAction']
export type TicketCreate = S['TicketCreate']
export type TicketUser = S['TicketUser']
export type TicketAssignee = S['TicketAssignee']
export type CurrentNode = S['TicketNode']
export type TicketStep = S['TicketStep']
export type Ticket = S['Ticket']
export type TicketSummary = S['TicketSummary']
export type ExecutionStarted = S['ExecutionStarted']

export type Execution = S['Execution']
export type ExecutionStatus = S['ExecutionStatus']
export type LogChunk = S['ExecutionLog']

export type NotificationDelivery = S['Notification']
export type Webhook = S['Webhook']
export type NotificationEvent = S['NotificationEvent']

export const FINAL_EXECUTION_STATUSES: readonly string[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted']

export const NOTIFICATION_EVENTS = [
  'node.waiting',
  'node.reminder',
  'ticket.approved',
  'ticket.rejected',
  'ticket.withdrawn',
  'ticket.transferred',
  'execution.finished',
  'ticket.missed',
  'ticket.mentioned',
] as const

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

/** A ticket's executions arrive as loose objects (see the Executions API); read them as Execution. */
export function ticketExecutions(t: Pick<Ticket, 'executions'>): Execution[] {
  return (t.executions ?? []) as unknown as Execution[]
}

/** A list option's value and label (lists are `{value,label}`; plain strings are tolerated). */
export function optionValue(o: Option | string): string {
  return typeof o === 'string' ? o : o.value
}
export function optionLabel(o: Option | string): string {
  return typeof o === 'string' ? o : o.label || o.value
}

export type FreezeWindow = S['FreezeWindow']
export type FreezeWindowInput = S['FreezeWindowInput']
export type FreezeKind = S['FreezeKind']
export type ChangeCalendar = S['ChangeCalendar']
export type CalendarFreeze = S['CalendarFreeze']
export type CalendarTicket = S['CalendarTicket']
export type TicketConflict = S['TicketConflict']

export type ChatChannel = S['ChatChannel']
export type ChatChannelInput = S['ChatChannelInput']
export type ChatKind = S['ChatKind']
export type ChatIds = S['ChatIds']
export const CHAT_KINDS: ChatKind[] = ['wecom', 'dingtalk', 'feishu', 'slack']

export type InboxItem = S['InboxItem']

/** The chat ids typed into a form, trimmed, without empty ones (the body to send). */
export function chatIdsBody(ids: ChatIds): ChatIds {
  return Object.fromEntries(
    Object.entries(ids)
      .map(([k, v]) => [k, (v ?? '').trim()])
      .filter(([, v]) => v),
  )
}
