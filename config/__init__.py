"""Package data: default.toml, installed as ``kiosk.defaults`` (see kiosk/resources.py)."""
