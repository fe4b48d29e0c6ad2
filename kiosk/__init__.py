"""kiosk: the player for public-disclosure screens (党务公开)."""

__version__ = "0.1.0"
