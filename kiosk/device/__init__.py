"""Services of a real screen around the player: background proof-of-display recording, uploads
and heartbeat (``services``, ``heartbeat``), systemd notification and watchdog (``sdnotify``),
and watching a folder for edits (``watch``).  No pygame.
"""
