export { api, looseApi, unwrap, ifMatch, configureApi, createApiClient } from './client'
export type { ApiHooks } from './client'
export {
  ApiError,
  isApiError,
  errorMessage,
  fieldErrorMap,
  normalizeFieldPath,
  toApiError,
} from './problem'
export type { FieldErrors, ProblemDocument, ProblemFieldError, Translate } from './problem'
export type * from './types'
