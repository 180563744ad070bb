"""The live data path after the object cache (dashboard/sources/store.py) and the model (dashboard/model/):
the publisher builds the board once per change and keeps each page variant's HTML (publisher.py), the renderer
turns a board into those pages (renderer.py); dashboard/views/streams.py sends them to every open page."""
