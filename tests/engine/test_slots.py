"""At most N runs train at once; the others wait in line and start by themselves."""
import threading

import pytest

from gan_core import Trainer
from gan_core.slots import ENV, Slots, default_size


def test_first_come_first_served():
    s = Slots(2)
    assert s.acquire("a", 0) and s.acquire("b", 0)
    assert not s.acquire("c", 0.01) and not s.acquire("d", 0.01)
    assert (s.position("c"), s.position("d"), s.position("a")) == (1, 2, 0)
    assert not s.acquire("d", 0.01)  # d may not pass c
    s.release("a")
    assert not s.acquire("d", 0.01) and s.acquire("c", 0)
    s.release("d")  # leaving the line
    assert s.waiting() == [] and s.holders() == {"b", "c"}
    s.resize(3)
    assert s.acquire("e", 0) and not s.acquire("f", 0)
    with pytest.raises(ValueError):
        s.resize(0)


def test_a_waiter_starts_when_a_slot_frees():
    s, got = Slots(1), []
    assert s.acquire("a", 0)
    t = threading.Thread(target=lambda: got.append(s.acquire("b", 60)))
    t.start()
    t.join(0.2)
    assert t.is_alive() and s.position("b") == 1
    s.release("a")
    t.join(60)
    assert got == [True] and s.holders() == {"b"}


def test_a_run_asking_first_waits_ahead_and_takes_the_slot_of_one_that_did_not():
    s = Slots(1)
    assert s.acquire("student", 0)
    assert s.acquire("student", 0)  # holding, nobody asking first waits: keeps it
    assert not s.acquire("other", 0.01)
    assert not s.acquire("teacher", 0.01, first=True)  # waits at the head of the line
    assert s.waiting() == ["teacher", "other"]
    assert not s.acquire("student", 0.01)  # its next chunk: gives the slot up, heads the others
    assert s.waiting() == ["teacher", "student", "other"] and s.holders() == set()
    assert s.acquire("teacher", 0, first=True)  # (a waiting thread would wake to it)
    assert not s.acquire("lesson", 0.01, first=True)  # a holder asking first keeps its slot
    assert s.waiting() == ["lesson", "student", "other"] and s.position("student") == 2
    s.release("teacher")  # paused: the next that asked first, then the others in their order
    assert s.acquire("lesson", 0, first=True) and not s.acquire("student", 0.01)
    s.release("lesson")
    assert s.acquire("student", 0) and not s.acquire("other", 0.01)
    assert s.holders() == {"student"} and s.waiting() == ["other"]


def test_with_a_free_slot_nobody_gives_theirs_up():
    s = Slots(2)
    assert s.acquire("student", 0) and s.acquire("teacher", 0, first=True)
    assert s.acquire("student", 0) and s.holders() == {"student", "teacher"}


def test_size_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV, "3")
    assert default_size() == 3
    monkeypatch.setenv(ENV, "zero")  # a warning, then one slot per core
    assert default_size() >= 1
    monkeypatch.delenv(ENV)
    assert default_size() >= 1


def _wait(t, pred):
    assert t.wait(pred, timeout=300), t.state


def test_runs_queue_for_one_slot_and_start_by_themselves(tiny, runs_dir):
    slots = Slots(1)
    a, b, c = (Trainer(tiny.replace(seed=i), runs_dir, slots=slots) for i in range(3))
    try:
        a.start()
        _wait(a, lambda s: s.step > 0)
        b.start()
        c.start()
        _wait(b, lambda s: s.queued == 1)
        _wait(c, lambda s: s.queued == 2)
        assert b.state.status == c.state.status == "running"  # they want to train
        at = a.state.step
        _wait(a, lambda s: s.step > at + 200)  # a trains on; b and c wait
        assert b.state.step == c.state.step == 0
        a.pause()  # a pause gives the slot back: b starts by itself, c moves up
        _wait(b, lambda s: s.step > 0 and s.queued == 0)
        _wait(c, lambda s: s.queued == 1)
        c.pause()  # leaving the line
        _wait(c, lambda s: s.queued == 0 and s.status == "paused")
        assert slots.waiting() == [] and slots.holders() == {b.run_id}
        paused_at = a.state.step
        a.step(30)  # steps need a slot too
        _wait(a, lambda s: s.queued == 1)
        assert b.stop(60)  # a stop frees the slot: a's steps run
        _wait(a, lambda s: s.step == paused_at + 30 and not s.busy)
        assert slots.holders() == set()
        assert c.state.step == 0
    finally:
        for t in (a, b, c):
            t.stop(60)
    assert slots.holders() == set() and slots.waiting() == []


def _student_and_teacher(tiny, runs_dir, slots):
    """A student's run (its owner recorded) and the teacher's (no owner), on `slots`."""
    student = Trainer(tiny.replace(seed=1), runs_dir, slots=slots)
    student.store.write_owner("a" * 64)
    return student, Trainer(tiny.replace(seed=2), runs_dir, slots=slots)


def test_the_teachers_run_takes_the_one_slot_from_a_students_and_gives_it_back(tiny, runs_dir):
    """A run with no owner (the teacher's, as the app records it) trains as soon as it runs;
    the student's run waits first in line meanwhile and resumes by itself on the pause."""
    slots = Slots(1)
    student, teacher = _student_and_teacher(tiny, runs_dir, slots)
    try:
        student.start()
        _wait(student, lambda s: s.step > 0)
        teacher.start()
        _wait(teacher, lambda s: s.step > 0 and s.queued == 0)
        _wait(student, lambda s: s.queued == 1)
        at, held = teacher.state.step, student.state.step
        _wait(teacher, lambda s: s.step > at + 200)
        assert student.state.step == held and student.state.status == "running"
        teacher.pause()
        _wait(student, lambda s: s.queued == 0 and s.step > held)
    finally:
        for t in (student, teacher):
            t.stop(60)
    assert slots.holders() == set() and slots.waiting() == []


def test_beside_the_teachers_run_a_students_trains_a_share_of_the_time(tiny, runs_dir):
    """Two slots: both train, the student's resting between calls (it keeps its slot and
    obeys at once); when the teacher's run pauses it trains at full time again."""
    slots = Slots(2)
    student, teacher = _student_and_teacher(tiny, runs_dir, slots)
    try:
        student.start()
        _wait(student, lambda s: s.step > 0)
        assert not student.state.yielding
        teacher.start()
        _wait(student, lambda s: s.yielding)
        at, t_at = student.state.step, teacher.state.step
        _wait(student, lambda s: s.step > at + 100)  # still training, both of them
        _wait(teacher, lambda s: s.step > t_at + 100)
        assert slots.holders() == {student.run_id, teacher.run_id}
        assert not teacher.state.yielding
        teacher.pause()
        _wait(student, lambda s: not s.yielding and s.status == "running")
        teacher.resume()
        _wait(student, lambda s: s.yielding)
        student.pause()  # taken during a rest: the slot is given back
        _wait(student, lambda s: s.status == "paused" and not s.yielding)
        _wait(teacher, lambda s: slots.holders() == {teacher.run_id})
    finally:
        for t in (student, teacher):
            t.stop(60)
    assert slots.holders() == set() and slots.waiting() == []
