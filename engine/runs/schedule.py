"""Cron date maths for schedule triggers (SPEC §7), with ``croniter``: 5 fields or ``@hourly``, ``@daily``…,
in a time zone (default: the system's).

Times are matched on the zone's wall clock and stepped as instants (UTC), so daylight saving neither fires a
job twice nor skips one: in the autumn fold a wall time that happens twice fires once (its first time) — unless
the job runs every hour anyway (its hour field is ``*``: then it keeps its pace through both passes); in the
spring gap a wall time that does not exist fires at the first time after it (``30 2 * * *`` at 03:00).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ScheduleError

__all__ = ["Schedule", "system_zone"]

MAX_EXPRESSION = 200
_NICKNAMES = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_SEARCH = 2_000  # candidates looked at for one next time (a job on Feb 30 has none)


def system_zone() -> str:
    """The IANA name of the system's time zone ("UTC" when it cannot be told)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo" in Path(link).parts:
            name = "/".join(Path(link).parts[Path(link).parts.index("zoneinfo") + 1:])
            ZoneInfo(name)
            return name
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return "UTC"


def _zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ScheduleError(f"{name!r} is not a time zone name (like Europe/Berlin or UTC)")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin or UTC)") from None


class Schedule:
    """A cron expression in a time zone; :meth:`next_after` gives the instants it fires at."""

    def __init__(self, expression: str, tz: str | None = None):
        if not isinstance(expression, str) or not expression.strip():
            raise ScheduleError("the cron expression is empty (5 fields like '*/15 * * * *', or @hourly, @daily…)")
        expression = " ".join(expression.split())
        if len(expression) > MAX_EXPRESSION:
            raise ScheduleError(f"the cron expression is longer than {MAX_EXPRESSION} characters")
        fields = expression.split(" ")
        if expression.startswith("@"):
            if expression.lower() not in _NICKNAMES:
                raise ScheduleError(f"unknown cron nickname {expression!r}: one of {', '.join(_NICKNAMES)}")
        elif len(fields) != 5:
            raise ScheduleError(f"a cron expression has 5 fields (minute hour day month weekday), not "
                                f"{len(fields)}: {expression!r}")
        from croniter import CroniterBadCronError, CroniterNotAlphaError, croniter  # (here: not on a run's path)

        try:
            croniter(expression, datetime(2000, 1, 1))
        except (CroniterBadCronError, CroniterNotAlphaError, ValueError, KeyError) as e:
            raise ScheduleError(f"invalid cron expression {expression!r}: {e}") from None
        self.expression = expression
        self.tz_name = (tz or system_zone()).strip()
        self.zone = _zone(self.tz_name)
        expanded = croniter(expression, datetime(2000, 1, 1)).expanded
        self.hourly = len(expanded[1]) == 1 and expanded[1][0] == "*"  # keeps its pace through a DST fold
        if self.next_after(datetime(2000, 1, 1, tzinfo=timezone.utc).timestamp()) is None:
            raise ScheduleError(f"the cron expression {expression!r} never fires (no such date)")

    def _instants(self, wall: datetime) -> list[datetime]:
        """The UTC instants a wall time is at: none but the first after a gap, one, or two in a fold."""
        firsts = []
        for fold in (0, 1):
            local = wall.replace(tzinfo=self.zone, fold=fold)
            utc = local.astimezone(timezone.utc)
            if utc.astimezone(self.zone).replace(tzinfo=None) == wall:
                firsts.append(utc)
        if not firsts:  # in a spring gap: the first wall time after it that exists
            probe = wall
            for _ in range(48 * 60):
                probe += timedelta(minutes=1)
                local = probe.replace(tzinfo=self.zone)
                utc = local.astimezone(timezone.utc)
                if utc.astimezone(self.zone).replace(tzinfo=None) == probe:
                    return [utc.replace(second=0, microsecond=0)]
            return []
        firsts = sorted(set(firsts))
        return firsts if self.hourly else firsts[:1]

    def next_after(self, after: float) -> float | None:
        """The first instant (epoch seconds) strictly after ``after`` that the schedule fires at."""
        moment = datetime.fromtimestamp(after, timezone.utc)
        wall = moment.astimezone(self.zone).replace(tzinfo=None)
        # start an hour of wall time back: in a fold, the second pass's instants come after earlier wall times
        # wall times do not come in the order of their instants in a fold: take the earliest instant found
        # among the wall times up to a few hours past the first one found
        from croniter import CroniterBadDateError, croniter

        it = croniter(self.expression, wall - timedelta(hours=3))
        best = horizon = None
        try:
            for _ in range(_SEARCH):
                candidate = it.get_next(datetime)
                if horizon is not None and candidate > horizon:
                    break
                for instant in self._instants(candidate):
                    if instant > moment and (best is None or instant < best):
                        best = instant
                        horizon = candidate + timedelta(hours=3)
        except CroniterBadDateError:
            pass
        return None if best is None else best.timestamp()

    def upcoming(self, after: float, n: int = 5) -> list[float]:
        out: list[float] = []
        t = after
        while len(out) < n:
            nxt = self.next_after(t)
            if nxt is None:
                break
            out.append(nxt)
            t = nxt
        return out
