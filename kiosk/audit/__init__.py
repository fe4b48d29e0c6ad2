"""Proof of display: a hash-chained log of what was on screen, its verification and reports.

Light imports only: the upload (requests) lives in :mod:`kiosk.audit.upload`.  See docs/audit.md.
"""

from kiosk.audit.log import AuditLog, Recorder
from kiosk.audit.records import AuditError, Record
from kiosk.audit.report import ItemReport, report
from kiosk.audit.verify import Problem, verify

__all__ = ["AuditError", "AuditLog", "ItemReport", "Problem", "Record", "Recorder", "report", "verify"]
