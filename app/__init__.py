"""Tribune's composition root: the event store, services, web and command line."""
