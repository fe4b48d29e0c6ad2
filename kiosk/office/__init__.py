"""The township office's web console (optional extra ``kiosk[office]``): a Django project.

Apps by domain, each a package under ``kiosk.office``: ``accounts`` (people, roles per feed,
signing keys), ``feeds`` (feeds, their signed trees, serving and mirroring), ``history``
(the append-only record of every action), ``authoring`` (notices, images, preview),
``approval`` (two-person signing and publishing), ``console`` (base templates, home, login).
``feedback`` and ``fleet`` plug in the same way (see docs/office.md).

A screen never imports this package; it imports ``kiosk.content``, ``kiosk.feed`` and
``kiosk.render`` like the player does.
"""
