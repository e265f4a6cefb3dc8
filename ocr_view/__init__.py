"""Showing what the service read, for people: the client's --visualize and the web demo draw with ``drawing``.
Pillow and the standard library only, so a client can import it without the engine."""
