"""The `python -m dashboard` commands, one module each: serve, render (with static_html), record and replay
(recording), rehearse, hash-password. dashboard/__main__.py dispatches to them."""
