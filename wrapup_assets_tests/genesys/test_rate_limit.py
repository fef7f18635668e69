import threading

from wrapup_assets.genesys.rate_limit import RequestPacer


class FakeClock:
    """Time that moves only when the pacer sleeps or the test advances it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def max_in_any_window(times: list[float], window: float = 60.0) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_budget_is_sent_at_once_then_requests_wait_for_the_window():
    clock = FakeClock()
    pacer = RequestPacer(3, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(7):
        pacer.acquire()
        sent.append(clock.now)
    assert sent == [1000.0, 1000.0, 1000.0, 1060.0, 1060.0, 1060.0, 1120.0]
    assert clock.sleeps == [60.0, 60.0]


def test_no_sixty_second_window_exceeds_the_budget_under_irregular_traffic():
    clock = FakeClock()
    pacer = RequestPacer(10, clock=clock, sleep=clock.sleep)
    sent = []
    for i in range(200):
        clock.now += (i * 7919 % 13) / 2  # irregular gaps of 0 to 6 s
        pacer.acquire()
        sent.append(clock.now)
    assert max_in_any_window(sent) == 10


def test_threads_sharing_a_pacer_stay_within_the_budget():
    clock = FakeClock()
    pacer = RequestPacer(5, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    sent_lock = threading.Lock()

    def send_four() -> None:
        for _ in range(4):
            pacer.acquire()
            with sent_lock:
                sent.append(clock.now)

    threads = [threading.Thread(target=send_four) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 20
    assert max_in_any_window(sent) == 5
    assert max(sent) == 1180.0
