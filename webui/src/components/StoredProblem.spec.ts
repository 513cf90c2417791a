// A problem the server kept (a notification's last error, a variable's script failure) is shown
// from its code in the user's language, with the server's own text as the detail.
import { afterEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { mount } from '@vue/test-utils'
import { i18n, setLocale } from '@/i18n'
import StoredProblem from './StoredProblem.vue'

function show(props: Record<string, unknown>) {
  return mount(StoredProblem, { props: { testid: 'why', ...props }, global: { plugins: [i18n] } })
}

describe('StoredProblem', () => {
  afterEach(() => setLocale('en'))

  it('words the code with its params, the server text below it, and follows the language', async () => {
    setLocale('en')
    const w = show({ code: 'notification.smtp_refused', params: { smtp_code: 550 }, text: '550 5.1.1 <bob@example.com>: mailbox unavailable' })
    expect(w.get('[data-testid="why"]').text()).toBe('The mail server refused the message (SMTP 550).')
    expect(w.get('[data-testid="problem-detail"]').text()).toBe('550 5.1.1 <bob@example.com>: mailbox unavailable')
    setLocale('zh-CN')
    await nextTick()
    expect(w.get('[data-testid="why"]').text()).toBe('邮件服务器拒收了这封邮件（SMTP 550）。')
    expect(w.get('[data-testid="problem-detail"]').text()).toContain('mailbox unavailable')
  })

  it('shows the text alone for a code it has no words for, or none', () => {
    setLocale('en')
    for (const code of ['notification.from_the_future', null]) {
      const w = show({ code, params: {}, text: 'user bob has no email address' })
      expect(w.get('[data-testid="why"]').text()).toBe('user bob has no email address')
      expect(w.find('[data-testid="problem-detail"]').exists()).toBe(false)
    }
  })
})
