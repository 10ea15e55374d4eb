"""The web UI (Gradio) and the server that puts it next to the HTTP API (`assistant.api`).

Start it with `assistant ui` or `make run`."""

import os

# Before gradio is imported anywhere: no usage reports, no version checks, no hub look-ups.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
