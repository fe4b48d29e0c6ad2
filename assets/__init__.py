"""Package data: fonts and the demo content, installed as ``kiosk.assets`` (see kiosk/resources.py)."""
