"""An activity's life: register, record, undo, defer, outcomes, Annex B, calendar changes; and the
unit of work every change goes through, which queues the mail it calls for and wakes the sender."""
