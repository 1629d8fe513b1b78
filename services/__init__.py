"""The service layer: each change to the tracking store, done inside one transaction."""
