"""Feeds: each one publisher's signed tree (党务 of the township, 村务 of a village), served
read-only at ``/feeds/<name>/`` with ETag/Last-Modified and mirrored for nginx or a CDN."""
