import { describe, expect, it } from 'vitest'
import { useCursorList } from './useCursorList'

describe('useCursorList', () => {
  const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
    first: { items: [1, 2], next_cursor: 'c2' },
    c2: { items: [3, 4], next_cursor: 'c3' },
    c3: { items: [5], next_cursor: null },
  }
  const seen: (string | undefined)[] = []
  const fetchPage = async (cursor: string | undefined) => {
    seen.push(cursor)
    return pages[cursor ?? 'first']!
  }

  it('walks forward and back using the remembered cursors', async () => {
    const l = useCursorList(fetchPage)
    await l.reset()
    expect(l.items.value).toEqual([1, 2])
    expect(l.hasPrevious.value).toBe(false)
    expect(l.hasNext.value).toBe(true)
    await l.next()
    await l.next()
    expect(l.items.value).toEqual([5])
    expect(l.pageIndex.value).toBe(2)
    expect(l.hasNext.value).toBe(false)
    await l.previous()
    expect(l.items.value).toEqual([3, 4])
    await l.reload()
    expect(seen.at(-1)).toBe('c2')
    await l.previous()
    expect(l.items.value).toEqual([1, 2])
    expect(seen.at(-1)).toBeUndefined()
  })
})
