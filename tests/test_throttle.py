"""The public forms' counter: a sliding window per key, bounded in keys, driven by an injected clock."""

from newsletter.web.throttle import Throttle, is_robot


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_key_gets_its_limit_per_window_and_no_more():
    clock = Clock()
    throttle = Throttle(3, 60, clock=clock)
    assert [throttle.allow("a@example.org") for _ in range(5)] == [True, True, True, False, False]
    assert throttle.allow("b@example.org")  # another key has its own count


def test_the_window_slides_and_refused_events_do_not_count():
    clock = Clock()
    throttle = Throttle(2, 60, clock=clock)
    assert throttle.allow("k")
    clock.now = 1030.0
    assert throttle.allow("k")  # two in the window
    assert not throttle.allow("k")  # refused, not counted
    clock.now = 1060.0  # the first event (t=1000) has left the window, exactly at its edge
    assert throttle.allow("k")
    assert not throttle.allow("k")
    clock.now = 1090.0  # t=1030 left too; 1060 is still in
    assert throttle.allow("k")
    assert not throttle.allow("k")


def test_a_client_spraying_keys_costs_bounded_memory_and_forgets_the_oldest_first():
    clock = Clock()
    throttle = Throttle(1, 60, clock=clock, max_keys=3)
    for key in "abc":
        assert throttle.allow(key)
    assert not throttle.allow("a")  # "a" is now the most recently seen
    assert throttle.allow("d")  # evicts "b", the least recently seen
    assert len(throttle._seen) == 3
    assert throttle.allow("b")  # forgotten, so counted afresh
    assert not throttle.allow("a")


def test_the_honeypot_catches_a_filled_hidden_field_only():
    assert not is_robot({"email": "a@example.org"})
    assert not is_robot({"email": "a@example.org", "website": "  "})
    assert is_robot({"email": "a@example.org", "website": "http://spam.example"})
