"""An activity's life: register, record, undo, defer, outcomes, Annex B, calendar changes."""
