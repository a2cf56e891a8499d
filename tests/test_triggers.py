"""Schedule triggers (SPEC §7, issue 15) with an injected clock — no real waiting: catch-up after the app was
closed, daylight saving in Europe/Berlin, refusals that name the problem, and managing triggers."""

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from engine.runs import RunService, Schedule, ScheduleError, TriggerError
from engine.runs.firing import TriggerFirer
from engine.store import Store

from .builder import Flow

BERLIN = ZoneInfo("Europe/Berlin")


class Clock:
    """The time the service is told it is (epoch seconds)."""

    def __init__(self, when: datetime):
        self.t = when.timestamp()

    def __call__(self) -> float:
        return self.t

    def set(self, when: datetime) -> None:
        self.t = when.timestamp()


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path, install_templates=False)
    yield s
    s.close()


def flow(store, name="tick"):
    wf = Flow(name).node("who", "input", name="who", type="string", default="nobody") \
        .node("o", "output", name="o").edge("who.value", "o.value").build()
    return store.workflows.create(wf).id


def at(*args, tz=BERLIN) -> datetime:
    return datetime(*args, tzinfo=tz)


def fire(service, clock) -> list[str]:
    return asyncio.run(TriggerFirer(service, clock).tick())


def queued(store):
    return store.queue.view().queued


@pytest.mark.parametrize("catch_up, fires", [("once", 1), ("skip", 0)])
def test_a_schedule_missed_while_closed_fires_once_on_start_or_not_at_all_then_keeps_its_pace(store, catch_up, fires):
    wid = flow(store)
    clock = Clock(at(2026, 6, 1, 9, 7))
    service = RunService(store, clock=clock)
    t = service.triggers.add(wid, "schedule", {"cron": "*/15 * * * *", "tz": "Europe/Berlin"},
                             inputs={"who": "cron"}, priority=7, catch_up=catch_up)
    assert t.next_due == at(2026, 6, 1, 9, 15).timestamp()
    clock.set(at(2026, 6, 1, 11, 52))  # the app was closed from 09:07 until now: 10 fires missed
    assert len(fire(service, clock)) == fires
    runs = queued(store)
    assert len(runs) == fires
    if fires:
        run = runs[0]
        assert (run.trigger, run.trigger_id, run.priority, run.inputs) == ("schedule", t.id, 7, {"who": "cron"})
        assert run.options["catch_up"] is True and run.options["due_at"] == at(2026, 6, 1, 9, 15).timestamp()
    after = store.triggers.get(t.id)
    assert after.next_due == at(2026, 6, 1, 12, 0).timestamp()
    assert fire(service, clock) == []  # nothing more is due
    clock.set(at(2026, 6, 1, 12, 0, 1))
    [on_time] = fire(service, clock)
    run = store.runs.get(on_time)
    assert "catch_up" not in run.options and store.triggers.get(t.id).next_due == at(2026, 6, 1, 12, 15).timestamp()
    assert store.triggers.get(t.id).fired == fires + 1


def _fires_over(service, clock, trigger_id, start: datetime, hours: int) -> list[datetime]:
    """Tick every five minutes for ``hours`` hours; the local times the runs were due at."""
    clock.set(start)
    service.triggers.change(trigger_id, enabled=False)
    service.triggers.change(trigger_id, enabled=True)  # next due from ``start``
    due = []
    for _ in range(hours * 12):
        clock.t += 300
        for rid in fire(service, clock):
            due.append(datetime.fromtimestamp(service.store.runs.get(rid).options["due_at"], BERLIN))
    return due


def test_a_2_30_job_in_berlin_fires_once_on_both_daylight_saving_days(store):
    wid = flow(store)
    clock = Clock(at(2026, 10, 24, 12, 0))
    service = RunService(store, clock=clock)
    t = service.triggers.add(wid, "schedule", {"cron": "30 2 * * *", "tz": "Europe/Berlin"})
    autumn = _fires_over(service, clock, t.id, at(2026, 10, 24, 12, 0), 48)  # 02:30 happens twice on the 25th
    assert [d.isoformat() for d in autumn] == ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]
    spring = _fires_over(service, clock, t.id, at(2026, 3, 28, 12, 0), 48)  # 02:30 does not exist on the 29th
    assert [d.isoformat() for d in spring] == ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]


def test_a_job_every_half_hour_keeps_its_pace_through_the_autumn_fold():
    s = Schedule("*/30 * * * *", "Europe/Berlin")
    times = [datetime.fromtimestamp(x, BERLIN).isoformat() for x in s.upcoming(at(2026, 10, 25, 1, 40).timestamp(), 6)]
    assert times == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00",
                     "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00", "2026-10-25T03:30:00+01:00"]
    gaps = {b - a for a, b in zip(s.upcoming(at(2026, 10, 25, 0, 0).timestamp(), 10),
                                  s.upcoming(at(2026, 10, 25, 0, 0).timestamp(), 11)[1:])}
    assert gaps == {1800.0}


@pytest.mark.parametrize("cron, says", [
    ("", "empty"), ("* * *", "5 fields"), ("61 * * * *", "invalid cron expression"), ("@sometimes", "nickname"),
    ("a b c d e", "invalid cron expression"), ("0 0 30 2 *", "never fires"), ("* * * * * *", "5 fields"),
    ("*/0 * * * *", "invalid cron expression"), ("9" * 500, "longer than"),
])
def test_a_bad_cron_expression_is_refused_with_a_message_naming_it(store, cron, says):
    service = RunService(store)
    with pytest.raises(TriggerError) as e:
        service.triggers.add(flow(store), "schedule", {"cron": cron, "tz": "UTC"})
    assert says in str(e.value)
    assert store.triggers.list() == []
    with pytest.raises(ScheduleError):
        Schedule(cron, "UTC")


def test_every_problem_of_a_trigger_is_named_at_once(store):
    service = RunService(store)
    wid = flow(store)
    with pytest.raises(TriggerError) as e:
        service.triggers.add(wid, "schedule", {"cron": "* * *", "tz": "Mars/Base"}, inputs={"nope": 1},
                             priority=11, catch_up="sometimes")
    text = str(e.value)
    assert all(s in text for s in ("5 fields", "unknown input 'nope'", "priority", "catch_up"))
    with pytest.raises(TriggerError, match="unknown time zone 'Mars/Base'"):
        service.triggers.add(wid, "schedule", {"cron": "* * * * *", "tz": "Mars/Base"})
    with pytest.raises(TriggerError, match="command: Extra inputs are not permitted"):
        service.triggers.add(wid, "schedule", {"cron": "* * * * *", "command": "rm -rf /"})
    with pytest.raises(TriggerError, match="workflow has no input named 'path'"):
        service.triggers.add(wid, "folder", {"path": str(store.home)})
    with pytest.raises(TriggerError, match="does not exist"):
        service.triggers.add(wid, "folder", {"path": str(store.home / "nowhere")})
    with pytest.raises(TriggerError, match="may not leave the folder"):
        service.triggers.add(wid, "folder", {"path": str(store.home), "patterns": ["../*"]})
    for path, says in (("in/photos", "full path"), ("/tmp/a\x00b", "control characters"), ("/", "whole drive")):
        with pytest.raises(TriggerError, match=says):
            service.triggers.add(wid, "folder", {"path": path})
    with pytest.raises(TriggerError, match="unknown trigger kind"):
        service.triggers.add(wid, "email", {})
    assert store.triggers.list() == []


def test_triggers_are_changed_switched_and_removed_and_go_with_their_workflow(store):
    clock = Clock(at(2026, 6, 1, 9, 0))
    service = RunService(store, clock=clock)
    wid = flow(store)
    t = service.triggers.add(wid, "schedule", {"cron": "@hourly"}, enabled=False)
    assert t.next_due is None and t.config["tz"]  # the system's zone, written down
    assert [datetime.fromtimestamp(x, BERLIN).hour for x in service.triggers.upcoming(t.id, 3)] and fire(service, clock) == []
    t = service.triggers.change(t.id, enabled=True, config={"cron": "0 12 * * *", "tz": "Europe/Berlin"})
    assert t.next_due == at(2026, 6, 1, 12, 0).timestamp() and t.enabled
    with pytest.raises(TriggerError):
        service.triggers.change(t.id, config={"cron": "nope"})
    assert store.triggers.get(t.id).config["cron"] == "0 12 * * *"  # a refused change changes nothing
    assert [x.id for x in store.triggers.list(wid)] == [t.id]
    store.workflows.delete(wid)
    assert store.triggers.list() == []  # a deleted workflow's triggers do not fire
    store.workflows.restore(wid)
    service.triggers.remove(t.id)
    assert store.triggers.list() == []


def test_any_cron_text_is_refused_with_a_message_or_fires_within_bounds():
    """Hostile cron text (hypothesis): a ScheduleError naming it, or next times found quickly — never a hang or
    another exception."""
    import time

    from hypothesis import given, settings
    from hypothesis import strategies as st

    field = st.text(alphabet="0123456789*/,-?LW#@ abcdefghijklmnopqrstuvwxyz", min_size=0, max_size=12)

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.lists(field, min_size=1, max_size=7).map(" ".join), st.sampled_from(["UTC", "Europe/Berlin",
                                                                                   "Pacific/Apia", "nope"]))
    def check(text, tz):
        t0 = time.perf_counter()
        try:
            times = Schedule(text, tz).upcoming(at(2026, 3, 28, 12, 0).timestamp(), 3)
        except ScheduleError as e:
            assert str(e)
            return
        finally:
            assert time.perf_counter() - t0 < 2.0, text
        assert times == sorted(set(times))

    check()
