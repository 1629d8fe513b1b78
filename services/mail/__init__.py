"""Email: what to send and when (outbox), who gets it, how it reads, how it is delivered."""
