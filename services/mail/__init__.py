"""Email: the outbox (the queue, idempotent), what goes in it (reminders, letters, dates changed, the
digest, passed over the store by the sweep), who gets it (recipients, gate), how it reads (emails,
templates/) and how it is delivered (delivery, transports)."""
