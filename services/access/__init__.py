"""Who may use the dashboard: local accounts, sessions and sign-in throttling."""
