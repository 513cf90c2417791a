// js-yaml ships no types; codes.spec.ts needs only load().
declare module 'js-yaml' {
  export function load(text: string): unknown
}
