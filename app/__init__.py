"""Tribune's application: the composition root (asgi, cli, settings, auth) and one
package per concern below it, each importing only downward (tests/unit/test_layers.py)."""
