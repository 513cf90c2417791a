// The designer's canvas stays readable while a workflow grows: a node added with nothing
// selected goes in before the end node, one added with a node selected goes in right after it
// (A → B becomes A → new → B), and the graph is laid out again (dagre) so no arrow runs through a
// box; "Arrange" does the same after boxes were dragged about. The side panel shows a node's
// form without sideways scrolling at 1280 px.
import assert from 'node:assert/strict'
import { apiCall, apiLogin, signIn } from './helpers.mjs'
import { horizontalOverflow } from './layout.mjs'

/**
 * What is wrong with the drawing: boxes that overlap, and arrows that pass through a box (their
 * SVG paths sampled every 4 px, the ends at the handles left out).
 */
async function canvasProblems(page) {
  return page.getByTestId('designer-canvas').evaluate((canvas) => {
    const out = []
    const boxes = [...canvas.querySelectorAll('.vue-flow__node')].map((n) => ({ name: n.innerText.replace(/\s+/g, ' '), r: n.getBoundingClientRect() }))
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r
        const b = boxes[j].r
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) out.push(`boxes "${boxes[i].name}" and "${boxes[j].name}" overlap`)
      }
    for (const path of canvas.querySelectorAll('.vue-flow__edge path.vue-flow__edge-path')) {
      const len = path.getTotalLength()
      const m = path.getScreenCTM()
      for (let d = 14; d < len - 14; d += 4) {
        const p = path.getPointAtLength(d)
        const x = m.a * p.x + m.c * p.y + m.e
        const y = m.b * p.x + m.d * p.y + m.f
        const hit = boxes.find(({ r }) => x > r.left + 2 && x < r.right - 2 && y > r.top + 2 && y < r.bottom - 2)
        if (hit) {
          out.push(`an arrow runs through "${hit.name}"`)
          break
        }
      }
    }
    return out
  })
}

/**
 * Waits (polling, with a deadline) until the canvas shows `n` boxes, its zoom has come to rest
 * (`data-settled`) and there is no layout problem.
 */
async function waitTidy(page, n, what) {
  const deadline = Date.now() + 10_000
  let last = []
  for (;;) {
    const canvas = page.getByTestId('designer-canvas')
    const count = await canvas.locator('.vue-flow__node').count()
    const settled = (await canvas.getAttribute('data-settled')) === 'true'
    if (count !== n) last = [`${count} boxes, expected ${n}`]
    else if (!settled) last = ['the zoom is still moving']
    else last = await canvasProblems(page)
    if (last.length === 0) return
    if (Date.now() > deadline) assert.fail(`${what}: ${last.join('; ')}`)
    await new Promise((r) => setTimeout(r, 100)) // poll interval of this condition
  }
}

async function addNode(page, type) {
  await page.getByTestId('designer-add-node').click()
  await page.getByTestId(`designer-add-${type}`).click()
}

export async function insertNodesIntoTheChainAndArrange({ page, baseURL, users, screenshot, uniq }) {
  await signIn(page, users.admin)
  await page.goto('/admin/workflows/new')
  const name = uniq('E2E layout ')
  await page.getByTestId('designer-name').fill(name)
  const canvas = page.getByTestId('designer-canvas')
  const panel = page.getByTestId('designer-panel')
  await canvas.locator('.vue-flow__node').nth(1).waitFor()

  // Nothing selected: the approval node goes in between submit and end.
  await addNode(page, 'approval')
  await panel.getByTestId('node-name').fill('Lead review')
  await waitTidy(page, 3, 'after adding an approval node')
  assert.equal(await canvas.locator('.vue-flow__edge').count(), 2, 'submit → approval → end, the old submit → end arrow gone')

  // The submit node selected: a fill node goes in right after it.
  await canvas.locator('.vue-flow__node', { hasText: 'Submit' }).click()
  await addNode(page, 'fill')
  await panel.getByTestId('node-name').fill('Fill in the details')
  await waitTidy(page, 4, 'after inserting a fill node after submit')
  assert.equal(await canvas.locator('.vue-flow__edge').count(), 3)

  // Left to right in flow order.
  const xOf = async (text) => (await canvas.locator('.vue-flow__node', { hasText: text }).boundingBox()).x
  const xs = [await xOf('Submit'), await xOf('Fill in the details'), await xOf('Lead review'), await xOf('End')]
  assert.deepEqual([...xs].sort((a, b) => a - b), xs, `boxes left to right in flow order: ${xs.join(', ')}`)
  await screenshot('inserted')

  // Drag the end box onto the fill box: overlapping boxes; "Arrange" lays them out again.
  const from = await canvas.locator('.vue-flow__node', { hasText: 'End' }).boundingBox()
  const to = await canvas.locator('.vue-flow__node', { hasText: 'Fill in the details' }).boundingBox()
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
  await page.mouse.down()
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 })
  await page.mouse.up()
  for (const deadline = Date.now() + 5_000; (await canvasProblems(page)).length === 0; ) {
    assert.ok(Date.now() < deadline, 'the dragged box overlaps another')
    await new Promise((r) => setTimeout(r, 100)) // poll interval of this condition
  }
  await page.getByTestId('designer-arrange').click()
  await waitTidy(page, 4, 'after "Arrange"')

  // The side panel shows a whole node form at once (no scrolling inside it, no taller than the
  // window below the header), and every input fits its width.
  const panelFits = async (what) => {
    assert.deepEqual(await horizontalOverflow(page, '[data-testid="designer-panel"], [data-testid="designer-panel"] .el-card__body'), [], what)
    const m = await panel.evaluate((el) => ({ sh: el.scrollHeight, ch: el.clientHeight, h: el.getBoundingClientRect().height }))
    assert.ok(m.sh <= m.ch + 1, `${what}: the panel scrolls (${m.sh} px of content in ${m.ch} px)`)
    assert.ok(m.h <= 800 - 56, `${what}: the panel is ${m.h} px high, more than the window shows`)
  }
  await canvas.locator('.vue-flow__node', { hasText: 'Lead review' }).click()
  await panel.getByTestId('node-roles').waitFor()
  await panelFits('approval node')
  await canvas.locator('.vue-flow__node', { hasText: 'Fill in the details' }).click()
  await panel.getByTestId('node-add-field').click()
  await panel.getByTestId('node-field-key-0').fill('reason')
  await panelFits('fill node with a field')
  const panelBox = await panel.boundingBox()
  for (const id of ['node-field-key-0', 'node-field-label-0', 'node-field-type-0', 'node-roles']) {
    const b = await panel.getByTestId(id).boundingBox()
    assert.ok(b.x >= panelBox.x && b.x + b.width <= panelBox.x + panelBox.width, `${id} inside the panel`)
    assert.ok(b.width >= 120, `${id} is ${b.width} px wide: too narrow to edit`)
  }
  await screenshot('panel')

  // What was saved is the chain drawn.
  await page.getByTestId('designer-save').click()
  await page.waitForURL(/\/admin\/workflows\/\d+$/)
  const id = Number(/\/(\d+)$/.exec(page.url())[1])
  const token = await apiLogin(baseURL, users.admin)
  const wf = await apiCall(baseURL, token, 'GET', `/workflows/${id}`)
  const keyOf = Object.fromEntries(wf.nodes.map((n) => [n.key, n.name]))
  assert.deepEqual(
    wf.transitions.map((t) => `${keyOf[t.from]} → ${keyOf[t.to]}`).sort(),
    ['Fill in the details → Lead review', 'Lead review → End', 'Submit → Fill in the details'],
  )
  // Reloaded, the saved workflow is laid out the same way: no arrow through a box.
  await waitTidy(page, 4, 'the saved workflow, reloaded')
}
