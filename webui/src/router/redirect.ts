/** Only same-site paths are followed after login (no open redirect to another host). */
export function safeRedirect(target: unknown): string {
  if (
    typeof target !== 'string' ||
    !target.startsWith('/') ||
    target.startsWith('//') ||
    target.startsWith('/\\')
  ) {
    return '/'
  }
  return target.startsWith('/login') ? '/' : target
}
