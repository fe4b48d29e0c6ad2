"""Touch browsing, pure (no pygame): the navigation state machine and its values, the tap
filter, where the targets are, and what the touch UI may know of the content.

- ``types``: events (``Tap``, ``Swipe``, ``Tick``), actions, state and the ``View`` drawn.
- ``navigation``: ``Navigator``, loop -> home -> category list -> notice detail.
- ``taps``: ``TapFilter``, one activation per physical touch.
- ``targets``: target sizes, a layout of named rects per screen, hit-testing.
- ``library``: catalogue sections and the visible items, read through the scheduler.

The pygame side is ``kiosk.player.touch`` (events in) and ``kiosk.render.touch`` (drawing).
"""
