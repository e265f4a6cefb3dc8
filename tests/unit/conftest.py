"""The unit tests' own conftest: no server fixtures. ``make test`` runs them with ``--confcutdir=tests/unit``, so
tests/conftest.py (the service fixtures) is never loaded for them."""
