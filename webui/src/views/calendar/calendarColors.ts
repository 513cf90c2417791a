// Colours of the change calendar: a ticket by its status (the same families as the status tags),
// a freeze by its kind. FullCalendar draws background events at reduced opacity.

const TICKET: Record<string, string> = {
  in_progress: '#409eff',
  approved: '#67c23a',
  scheduled: '#8e6bd8',
  executing: '#e6a23c',
  finished: '#2e8b57',
  failed: '#f56c6c',
  missed: '#c45656',
}

/** A ticket's colour: ended without a run (rejected, withdrawn, terminated) is grey. */
export function ticketColor(status: string): string {
  return TICKET[status] ?? '#909399'
}

export function freezeColor(kind: string): string {
  return kind === 'hard' ? '#f56c6c' : '#e6a23c'
}
