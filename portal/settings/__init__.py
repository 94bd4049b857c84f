"""Settings split by concern: base (shared), dev, test, prod (refuses to start without secrets)."""
