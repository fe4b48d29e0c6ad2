"""Two-person approval with real signatures: publications (new feed versions) signed by a
drafter and a reviewer, key changes (new roots) signed by two key holders, rejection,
rebuilding when another publication landed first, finalizing by the server's online key."""
