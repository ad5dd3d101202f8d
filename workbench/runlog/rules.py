"""The record's rules in SQL, over the ``calls`` table: the same rules as :class:`workbench.records.CallRecord`.

Each expression here mirrors one property, so a filter or a count in SQL agrees with what the
notebook shows for a record (``tests/test_server_ext.py`` checks them row by row on every
:class:`~workbench.records.Egress` case):

- :data:`EGRESS_SQL` is :attr:`CallRecord.egress` (its value: ``stayed on device``, ``sent``, ...);
- :data:`SENT_SQL` is :attr:`CallRecord.sent`;
- :data:`FLAGGED_OFF_DEVICE_SQL` is :attr:`CallRecord.flagged_off_device`;
- :data:`TIMED_SQL` is :attr:`CallRecord.timed`.
"""

from __future__ import annotations

from workbench.records import NOT_SENT, Egress, Locality

__all__ = ["EGRESS_SQL", "FLAGGED_OFF_DEVICE_SQL", "LEFT_DEVICE_SQL", "SENT_SQL", "TIMED_SQL"]


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_NOT_SENT = _quoted(NOT_SENT)
_DEVICE = _quoted(Locality.DEVICE.value)

SENT_SQL = f"(replayed = 0 AND cost_basis <> {_NOT_SENT})"
"""Sent to its target now: not unsent (no key, blocked, a strict replay's miss) and not replayed."""

EGRESS_SQL = (
    f"(CASE WHEN replayed <> 0 THEN {_quoted(Egress.REPLAYED)}"
    f" WHEN cost_basis = {_NOT_SENT} THEN"
    f" (CASE WHEN error_type = 'PrivacyBlocked' THEN {_quoted(Egress.BLOCKED)} ELSE {_quoted(Egress.NOT_SENT)} END)"
    f" WHEN locality = {_DEVICE} THEN {_quoted(Egress.STAYED)} ELSE {_quoted(Egress.SENT)} END)"
)
"""What became of the request's bytes: an :class:`~workbench.records.Egress` value."""

LEFT_DEVICE_SQL = (
    "(privacy IS NOT NULL"
    " AND json_type(privacy, '$.entities') = 'object'"
    " AND json_extract(privacy, '$.entities') <> '{}'"
    f" AND coalesce(json_extract(privacy, '$.destination'), '') <> {_DEVICE}"
    " AND coalesce(json_extract(privacy, '$.action'), 'flag') = 'flag')"
)
""":attr:`Privacy.left_device`: entities found, a destination off the device, the guard's action ``flag``."""

FLAGGED_OFF_DEVICE_SQL = f"({SENT_SQL} AND locality <> {_DEVICE} AND {LEFT_DEVICE_SQL})"
"""Flagged data actually left the device: egress ``sent`` and the guard let it go."""

TIMED_SQL = f"(latency_s IS NOT NULL AND cost_basis <> {_NOT_SENT})"
"""The call has timing figures of its own (sent now, or replayed with the recorded ones)."""
