/** A screen's header: its title (the document's too), a way back, its actions. */
import { html, useEffect } from '../lib.js'
import { Link } from './router.js'

/** A page title and its actions; sets the document title too. */
export function PageHeader({ title, children, back }) {
  useEffect(() => {
    document.title = `${title} · Roster`
  }, [title])
  return html`<header class="page-header">
    ${back && html`<${Link} class="back" href=${back.href}>← ${back.label}<//>`}
    <div class="title-row">
      <h1 tabindex="-1" id="page-title">${title}</h1>
      <div class="page-actions">${children}</div>
    </div>
  </header>`
}
