// The workflow designer, click by click: a new workflow starts as submit → end; an approval node
// is added (it goes in before the end), its operators and rule set, arrows re-drawn on the canvas (click a handle, then the
// other), a field added to the submit node; "validate" points at what is wrong before the
// server is asked; the draft is saved and deployed, and its version is listed.
import assert from 'node:assert/strict'
import { expectCount, expectText, pickOptions, signIn } from './helpers.mjs'

/** Connects two canvas nodes by clicking the source's right handle, then the target's left one. */
async function connect(page, from, to) {
  const canvas = page.getByTestId('designer-canvas')
  await canvas.locator('.vue-flow__node', { hasText: from }).locator('.vue-flow__handle.source').click()
  await canvas.locator('.vue-flow__node', { hasText: to }).locator('.vue-flow__handle.target').click()
}

export async function designAndDeployWorkflow({ page, users, screenshot, uniq }) {
  await signIn(page, users.admin)
  await page.goto('/admin/workflows')
  await page.getByTestId('workflow-new').click()
  await page.waitForURL(/\/admin\/workflows\/new$/)
  const name = uniq('E2E 变更 ')
  await page.getByTestId('designer-name').fill(name)

  const canvas = page.getByTestId('designer-canvas')
  await canvas.locator('.vue-flow__node').nth(1).waitFor()
  await expectCount(canvas.locator('.vue-flow__node'), 2)

  // Add an approval node: with nothing selected it goes in before the end node. Without
  // operators, validation names the problem.
  await page.getByTestId('designer-add-node').click()
  await page.getByTestId('designer-add-approval').click()
  const panel = page.getByTestId('designer-panel')
  await panel.getByTestId('node-name').fill('组长审核')
  await page.getByTestId('designer-validate').click()
  const problems = page.getByTestId('designer-problems')
  await problems.waitFor()
  await expectText(problems, /choose who acts on this node/)
  assert.doesNotMatch(await problems.innerText(), /cannot be reached from the submit node/)
  await screenshot('designer-problems')

  // Operators and rule.
  await canvas.locator('.vue-flow__node', { hasText: '组长审核' }).click()
  await pickOptions(page, panel.getByTestId('node-roles'), ['ops_lead'], { multiple: true })
  await panel.getByTestId('node-rule').getByText('All approve').click()

  // Re-draw an arrow: drop submit → approval (the approval node is then cut off), draw it again.
  await expectCount(canvas.locator('.vue-flow__edge'), 2)
  const edge = canvas.locator('.vue-flow__edge').first()
  const box = await edge.boundingBox()
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
  await page.getByTestId('designer-delete').click()
  await expectCount(canvas.locator('.vue-flow__edge'), 1)
  await connect(page, 'Submit', '组长审核')
  await connect(page, '组长审核', 'End') // already there: not drawn twice
  await expectCount(canvas.locator('.vue-flow__edge'), 2)

  // A field on the submit node.
  await canvas.locator('.vue-flow__node', { hasText: 'Submit' }).first().click()
  await panel.getByTestId('node-add-field').click()
  await panel.getByTestId('node-field-key-0').fill('reason')
  await panel.getByTestId('node-field-label-0').fill('变更原因')
  await panel.getByTestId('node-field-required-0').click()

  await page.getByTestId('designer-validate').click()
  await page.locator('.el-message--success', { hasText: 'can be deployed' }).waitFor()
  await screenshot('designer-valid')

  // Save the draft, deploy it, see the version.
  await page.getByTestId('designer-save').click()
  await page.waitForURL(/\/admin\/workflows\/\d+$/)
  await page.getByTestId('designer-deploy').click()
  await page.locator('.el-message--success', { hasText: 'Deployed version 1' }).waitFor()
  await page.getByTestId('designer-versions').click()
  const versions = page.getByTestId('designer-versions-drawer')
  await versions.locator('tr', { hasText: 'admin' }).first().waitFor()
  await versions.getByRole('button', { name: 'View' }).first().click()
  await versions.getByTestId('flow-graph').locator('.vue-flow__node', { hasText: '组长审核' }).waitFor()
  await screenshot('designer-deployed-version')

  // The list shows it deployed.
  await page.keyboard.press('Escape')
  await page.goto('/admin/workflows')
  const row = page.getByTestId('workflow-table').locator('tr', { hasText: name }).first()
  await row.waitFor()
  await expectText(row, /v1/)
}
