"""The fleet: enrolled screens, their heartbeats, the proof of display they upload, 公示期 coverage.

Screens talk to ``/device/v1/…`` (:mod:`kiosk.office.fleet.api`); people use ``/fleet/…`` and
``/f/<feed>/fleet/coverage/…``.  See docs/fleet.md.
"""
