// Short names for the schemas of api-spec/openapi.yaml, for use in views and stores.
import type { components } from './schema'

type Schemas = components['schemas']

export type User = Schemas['User']
export type UserCreate = Schemas['UserCreate']
export type UserUpdate = Schemas['UserUpdate']
export type Me = Schemas['Me']
export type Role = Schemas['Role']
export type Permission = Schemas['Permission']
export type Business = Schemas['Business']
export type BusinessMembers = Schemas['BusinessMembers']
export type ApiToken = Schemas['ApiToken']
export type ApiTokenCreated = Schemas['ApiTokenCreated']
export type AuditEvent = Schemas['AuditEvent']
export type Problem = Schemas['Problem']
export type FieldValue = Schemas['FieldValue']
export type FieldValues = Schemas['FieldValues']

export type { TicketStatus, TicketSummary } from './contract'
