"""The ASGI service: HTTP and WebSocket API, device auth, events, metrics and the web UI."""
