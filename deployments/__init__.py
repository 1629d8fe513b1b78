"""When and where the flows run. `local.py`: served by one process on this machine (`make run`);
`prefect.yaml` at the top level: the same flows on a self-hosted Prefect server with a process work pool."""
