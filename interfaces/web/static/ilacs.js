// GOV.UK Frontend's components, started from a file: the Content-Security-Policy allows no inline script.
import { initAll } from '/assets/govuk-frontend.min.js'

initAll()
