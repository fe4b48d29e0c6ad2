"""The append-only history of every action in the office (write, submit, sign, reject, publish,
withdraw, login …), hash-chained so that an edited, removed or reordered record is detected.

Use ``kiosk.office.history.api.record(...)`` from any app (see its docstring).
"""
