"""The budget limiter on a fake clock, and the rate-limit headers it reads."""

from __future__ import annotations

import pytest

from drafter.llm.limiter import RateHeaders, RateLimiter, estimate_tokens, parse_duration


class Clock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s


def limiter(clock: Clock, **kw) -> RateLimiter:
    return RateLimiter(clock=clock, sleep=clock.sleep, **kw)


@pytest.mark.parametrize(
    "text, seconds",
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("0.5", 0.5), ("17", 17.0), ("1m", 60.0),
     (" 2s ", 2.0), ("0s", 0.0)],
)  # fmt: skip
def test_reset_durations_in_the_forms_servers_send_are_read_as_seconds(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", [None, "", "soon", "5x", "1s later", "-3", "s", "1.2.3s"])
def test_anything_else_is_no_duration(text):
    assert parse_duration(text) is None


def test_headers_are_read_case_insensitively_and_a_bad_value_counts_as_absent():
    h = RateHeaders.parse(
        {"X-RateLimit-Limit-Tokens": "150000", "x-ratelimit-remaining-tokens": "149000",
         "x-ratelimit-reset-tokens": "400ms", "x-ratelimit-limit-requests": "500",
         "x-ratelimit-remaining-requests": "many", "x-ratelimit-reset-requests": "120ms", "retry-after-ms": "250"}
    )  # fmt: skip
    assert (h.limit_tokens, h.remaining_tokens, h.reset_tokens) == (150000, 149000, pytest.approx(0.4))
    assert (h.limit_requests, h.remaining_requests, h.reset_requests) == (500, None, pytest.approx(0.12))
    assert h.retry_after == pytest.approx(0.25)
    assert RateHeaders.parse({"Retry-After": "3"}).retry_after == 3.0
    assert RateHeaders.parse({}) == RateHeaders()


def test_a_request_is_estimated_at_its_size_plus_all_the_output_it_may_get():
    assert estimate_tokens(b"x" * 4000, 512) == 1000 + 512
    assert estimate_tokens(b"x" * 10, None) == 2


def test_requests_spend_from_the_request_budget_and_wait_for_its_refill():
    clock = Clock()
    lim = limiter(clock, rpm=60)
    for _ in range(60):
        lim.acquire()
    assert clock.t == 0  # a full minute's budget is there at the start
    lim.acquire()
    assert clock.t == pytest.approx(1.0)  # then one request a second
    lim.acquire()
    assert clock.t == pytest.approx(2.0)


def test_tokens_are_reserved_before_sending_and_the_unused_part_given_back():
    clock = Clock()
    lim = limiter(clock, tpm=6000)  # 100 tokens a second
    lim.acquire(5000)
    lim.acquire(1000)
    assert clock.t == 0 and lim.tokens.level == 0
    lim.settle(5000, 2000)  # the first answer used 2,000: 3,000 come back
    assert lim.tokens.level == 3000
    lim.acquire(3000)
    assert clock.t == 0
    lim.acquire(500)  # the bucket is empty: 500 tokens take 5 s to refill
    assert clock.t == pytest.approx(5.0)


def test_an_answer_that_used_more_than_estimated_is_charged():
    clock = Clock()
    lim = limiter(clock, tpm=6000)
    lim.acquire(1000)
    lim.settle(1000, 1600)
    assert lim.tokens.level == pytest.approx(4400)


def test_both_budgets_must_allow_a_request():
    clock = Clock()
    lim = limiter(clock, rpm=600, tpm=600)  # 10 requests but 10 tokens a second
    lim.acquire(600)
    lim.acquire(100)  # requests to spare, tokens not: 100 tokens take 10 s
    assert clock.t == pytest.approx(10.0)


def test_a_request_larger_than_the_whole_budget_waits_for_a_full_bucket_not_forever():
    clock = Clock()
    lim = limiter(clock, tpm=1000)
    lim.acquire(100)
    lim.acquire(50_000)
    assert clock.t == pytest.approx(6.0)  # the 100 spent come back in 6 s
    assert lim.tokens.level == 0


def test_without_budgets_nothing_waits():
    clock = Clock()
    lim = limiter(clock)
    for _ in range(1000):
        lim.acquire(100_000)
    assert clock.t == 0 and lim.rpm is None and lim.tpm is None


def test_a_429_pauses_every_request_gives_the_tokens_back_and_slows_the_refill():
    clock = Clock()
    lim = limiter(clock, rpm=60, tpm=6000)
    lim.acquire(1000)
    lim.on_response(429, {"retry-after": "5"}, 1000, None)
    assert lim.throttled == 1 and lim.rate_factor == 0.75 and lim.tokens.level == 6000
    lim.acquire(10)
    assert clock.t == pytest.approx(5.0)
    lim.on_response(200, {}, 10, 10)
    assert lim.rate_factor == pytest.approx(0.77)  # each answer wins back 2%


def test_a_server_that_reports_less_remaining_lowers_the_budget_left():
    clock = Clock()
    lim = limiter(clock, tpm=60_000)  # 1,000 tokens a second
    lim.acquire(1000)
    lim.on_response(200, {"x-ratelimit-remaining-tokens": "2000"}, 1000, 1000)  # another client spends on the key
    assert lim.tokens.level == 2000
    lim.acquire(5000)
    assert clock.t == pytest.approx(3.0)


def test_remaining_above_the_limiters_own_count_does_not_raise_it():
    clock = Clock()
    lim = limiter(clock, tpm=60_000)
    lim.acquire(50_000)  # in flight: the server has not counted it yet
    lim.on_response(200, {"x-ratelimit-remaining-tokens": "59000"}, 1000, 1000)
    assert lim.tokens.level == 10_000


def test_a_smaller_server_limit_replaces_the_configured_one_and_a_larger_one_is_ignored():
    clock = Clock()
    lim = limiter(clock, rpm=1000, tpm=100_000)
    lim.on_response(200, {"x-ratelimit-limit-requests": "500", "x-ratelimit-limit-tokens": "200000"}, 0, 0)
    assert (lim.rpm, lim.tpm) == (500, 100_000)


def test_with_no_budget_configured_the_servers_limit_becomes_the_budget():
    clock = Clock()
    lim = limiter(clock)
    lim.on_response(
        200, {"x-ratelimit-limit-tokens": "6000", "x-ratelimit-remaining-tokens": "600"}, 100, 100
    )  # fmt: skip
    assert lim.tpm == 6000 and lim.tokens.level == 600
    lim.acquire(1200)
    assert clock.t == pytest.approx(6.0)  # 600 more at 100 a second


def test_an_empty_bucket_with_no_known_rate_waits_for_the_servers_reset():
    clock = Clock()
    lim = limiter(clock)
    lim.on_response(200, {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s"}, 0, 0)
    lim.acquire()
    assert clock.t == pytest.approx(1.5)


def test_a_process_share_scales_the_budget_and_the_servers_figures():
    clock = Clock()
    lim = limiter(clock, tpm=60_000, share=0.5)
    assert lim.tpm == 30_000
    lim.on_response(200, {"x-ratelimit-limit-tokens": "40000", "x-ratelimit-remaining-tokens": "10000"}, 0, 0)
    assert lim.tpm == 20_000 and lim.tokens.level == 5000


def test_async_requests_wait_on_the_same_budget():
    import asyncio

    clock = Clock()

    async def fake_sleep(s: float) -> None:
        clock.sleep(s)

    lim = RateLimiter(rpm=60, clock=clock, sleep=clock.sleep, async_sleep=fake_sleep)
    for _ in range(60):
        lim.acquire()
    asyncio.run(lim.acquire_async())
    assert clock.sleeps and clock.t == pytest.approx(1.0)


# --- the fake server's budget mode and prompt cache (what the benchmarks and client tests run against) ---


def test_the_fake_servers_budget_refuses_what_does_not_fit_and_says_so_in_its_headers():
    from .fake_openai import Budget

    clock = Clock()
    b = Budget(rpm=None, tpm=6000, clock=clock)
    assert b.admit(5000) is None
    b.charge(500)  # the answer's completion tokens
    assert b.admit(1000) == pytest.approx(5.0)  # 500 left: 500 more take 5 s at 100 a second
    assert b.refused == 1
    h = RateHeaders.parse(b.headers())
    assert (h.limit_tokens, h.remaining_tokens, h.reset_tokens) == (6000, 500, pytest.approx(55.0))
    clock.t += 5.0
    assert b.admit(1000) is None and RateHeaders.parse(b.headers()).remaining_tokens == 0


def test_the_fake_servers_prompt_cache_counts_shared_prefixes_from_1024_tokens_in_steps_of_128():
    from .fake_openai import PrefixCache

    cache = PrefixCache(1024, 128)
    shared = "s" * 5000  # 1,250 tokens
    assert cache.cached_tokens(shared + "a" * 1000) == 0  # nothing seen yet
    assert cache.cached_tokens(shared + "b" * 1000) == 1152  # 4,608 characters: the last step inside the prefix
    assert cache.cached_tokens("s" * 4000 + "c" * 3000) == 0  # 1,000 tokens shared: too short to be cached


def test_the_client_learns_the_servers_limit_from_its_headers(llm_factory, fake_llm):
    from drafter.drafting.facts import DecomposeFacts, bound
    from drafter.drafting.outputs import Decomposition

    from .fake_openai import Budget

    fake_llm.budget = Budget(rpm=5000, tpm=2_000_000)
    llm = llm_factory(use_cache=False)
    assert llm.limiter.tpm is None  # none configured
    messages = [{"role": "system", "content": "test"}, {"role": "user", "content": "Tasks:\n- [1] (Core) task 1\n"}]
    with bound(DecomposeFacts(known_ids=(1,), required_ids=(1,))):
        llm.structured("decompose", Decomposition, messages)
    assert (llm.limiter.rpm, llm.limiter.tpm) == (5000, 2_000_000)
    assert llm.limiter.tokens.level < 2_000_000  # the server's remaining figure, after this request


def test_an_endpoints_budget_keys_are_read_and_checked(tmp_path):
    from drafter.errors import DrafterError
    from drafter.llm.endpoints import load_config

    cfg = tmp_path / "endpoints.toml"
    cfg.write_text('[endpoints.openai]\nmodel = "gpt-4.1-mini"\nrpm = 500\ntpm = 200000\n', encoding="utf-8")
    ep = load_config(cfg)[0]["openai"]
    assert (ep.rpm, ep.tpm) == (500, 200_000)
    cfg.write_text('[endpoints.openai]\ntpm = "lots"\n', encoding="utf-8")
    with pytest.raises(DrafterError, match=r"endpoints\.openai\.tpm: expected a positive number per minute"):
        load_config(cfg)
    cfg.write_text("[endpoints.openai]\nrpm = 0\n", encoding="utf-8")
    with pytest.raises(DrafterError, match=r"endpoints\.openai\.rpm"):
        load_config(cfg)
