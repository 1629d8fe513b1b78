"""The `ilacs` commands, one module per area: each registers its sub-commands (`register(sub)`, at its
top) next to their handlers. A module imports only light libraries at its top and the heavy ones (the
store's, Prefect, the web server, spreadsheets) inside the handlers, because interfaces/cli.py
imports every module to build the parser for any command."""
