"""Reading the store: due and overdue, compliance, history imports, the national programme."""
