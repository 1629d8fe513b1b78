"""The `ilacs` commands that use the tracking store, one module per area, loaded only when one runs."""
