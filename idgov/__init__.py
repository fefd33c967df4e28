"""The composition root: settings, wiring and the ``idgov`` command line."""
