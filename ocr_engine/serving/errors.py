"""The errors a client is shown: what is wrong with its request, in a sentence."""


class InputError(ValueError):
    """The client's input cannot be used. ``str()`` is one plain sentence that is safe to send back."""


class RequestTooLong(InputError):
    """The request ran past ``request_timeout`` and was stopped; ``str()`` says so and what to change."""


class EngineFailed(RuntimeError):
    """The engine failed on a request for a reason of its own; logged in full on the server. ``str()`` holds no
    internals."""
