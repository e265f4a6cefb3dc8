"""The one error a client is shown: what is wrong with its request, in a sentence."""


class InputError(ValueError):
    """The client's input cannot be used. ``str()`` is one plain sentence that is safe to send back."""
