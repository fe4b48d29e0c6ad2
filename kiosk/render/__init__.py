"""Drawing with pygame: fonts, slides, header and ticker zones, touch screens, overlays, QR codes,
transitions and the surface cache.  Decides nothing: what to draw comes from the pure packages.
"""
