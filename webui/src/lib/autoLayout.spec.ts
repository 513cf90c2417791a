import { describe, expect, it } from 'vitest'
import { autoLayout } from './autoLayout'

const box = (p: { x: number; y: number }, w = 150, h = 50) => ({ l: p.x, r: p.x + w, t: p.y, b: p.y + h })

describe('autoLayout', () => {
  it('lays a chain out left to right without overlapping boxes', () => {
    const nodes = ['a', 'b', 'c', 'd'].map((id) => ({ id }))
    const pos = autoLayout(nodes, [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
      { source: 'c', target: 'd' },
    ])
    const xs = nodes.map((n) => pos.get(n.id)!.x)
    expect(xs).toEqual([...xs].sort((p, q) => p - q))
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThanOrEqual(150)
    // One row: the arrows run straight between neighbours, through no other box.
    expect(new Set(nodes.map((n) => pos.get(n.id)!.y)).size).toBe(1)
  })

  it('puts the branches of a fork side by side and uses measured sizes', () => {
    const nodes = [{ id: 's' }, { id: 'x', width: 220, height: 80 }, { id: 'y' }, { id: 'e' }]
    const pos = autoLayout(nodes, [
      { source: 's', target: 'x' },
      { source: 's', target: 'y' },
      { source: 'x', target: 'e' },
      { source: 'y', target: 'e' },
    ])
    const x = box(pos.get('x')!, 220, 80)
    const y = box(pos.get('y')!)
    expect(x.l < y.r && y.l < x.r && x.t < y.b && y.t < x.b).toBe(false)
    expect(pos.get('e')!.x).toBeGreaterThanOrEqual(x.r)
  })

  it('places nodes without arrows and ignores arrows to unknown nodes', () => {
    const pos = autoLayout([{ id: 'a' }, { id: 'b' }], [{ source: 'a', target: 'zz' }])
    expect(pos.size).toBe(2)
  })
})
