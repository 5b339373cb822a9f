"""Settings split by purpose: ``base`` (shared, read from the environment), ``test``, ``production``."""
