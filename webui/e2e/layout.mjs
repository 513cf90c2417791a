// Geometry checks for layout tests (this file is not a spec: its exports are not tests). They
// read what the browser laid out (scrollWidth vs clientWidth, getClientRects of text ranges)
// and return a list of problems, empty when the layout is right, so an assertion can print them.

/**
 * Text problems in every visible element matching `selector`:
 * - "cut off": the element's content is wider than its box (an ellipsis or hidden overflow);
 * - "word split": a Latin word (letters, digits, _ - . @) is drawn on more than one line;
 * - "wraps" (with `singleLine`): the element's text takes more than one line.
 */
export async function textProblems(page, selector, { singleLine = false } = {}) {
  return page.evaluate(
    ({ selector, singleLine }) => {
      const out = []
      const lines = (rects) => new Set([...rects].filter((r) => r.width > 0.5).map((r) => Math.round(r.top))).size
      for (const el of document.querySelectorAll(selector)) {
        const box = el.getBoundingClientRect()
        if (box.width === 0 || box.height === 0) continue
        const text = el.textContent.trim().replace(/\s+/g, ' ')
        const name = `${selector} "${text.slice(0, 40)}"`
        if (el.scrollWidth > el.clientWidth + 1) out.push(`${name}: cut off (${el.scrollWidth} > ${el.clientWidth} px)`)
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          for (const m of n.data.matchAll(/[A-Za-z0-9_@.-]+/g)) {
            const r = document.createRange()
            r.setStart(n, m.index)
            r.setEnd(n, m.index + m[0].length)
            if (lines(r.getClientRects()) > 1) out.push(`${name}: word "${m[0]}" split across lines`)
          }
        }
        if (singleLine) {
          const r = document.createRange()
          r.selectNodeContents(el)
          const l = lines(r.getClientRects())
          if (l > 1) out.push(`${name}: wraps onto ${l} lines`)
        }
      }
      return out
    },
    { selector, singleLine },
  )
}

/**
 * Elements matching `selector` whose content is wider than their box (scrollWidth > clientWidth):
 * they scroll sideways or cut their content off. Even 1 px shows a scrollbar.
 */
export async function horizontalOverflow(page, selector) {
  return page.evaluate((selector) => {
    const out = []
    for (const el of document.querySelectorAll(selector)) {
      const name = `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`
      if (el.scrollWidth > el.clientWidth) out.push(`${name}: ${el.scrollWidth} px of content in ${el.clientWidth} px`)
    }
    return out
  }, selector)
}

/** How many elements match `selector` (a guard that a check looked at something). */
export async function countVisible(page, selector) {
  return page.evaluate(
    (selector) => [...document.querySelectorAll(selector)].filter((e) => e.getBoundingClientRect().width > 0).length,
    selector,
  )
}
