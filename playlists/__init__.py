"""Package data: the default playlists, installed as ``kiosk.playlists`` (see kiosk/resources.py)."""
