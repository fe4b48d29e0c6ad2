"""The running screen (pygame): the runner that owns the display and the frame loop, the lobby
loop, the LED board, the touch layer, device-derived settings and where content comes from.

Only ``kiosk.cli`` imports this package; everything it decides with lives in the pure packages
(``kiosk.schedule``, ``kiosk.touch``, ``kiosk.layout``, ``kiosk.content``).
"""
