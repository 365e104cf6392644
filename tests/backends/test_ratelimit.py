"""pipeline.backends.ratelimit: requests and tokens per minute paced by a token bucket."""

from __future__ import annotations

import asyncio
import time

from pipeline.backends.base import ChatRequest
from pipeline.backends.ratelimit import TokenBucket, estimated_tokens
from pipeline.backends.teacher import build_teacher
from tests.fake_openai import FakeOpenAI


def test_the_bucket_paces_takes_to_its_rate_after_one_seconds_burst():
    async def main():
        bucket = TokenBucket(600)  # 10 a second, bursts of 10
        start = time.monotonic()
        await asyncio.gather(*(bucket.take() for _ in range(30)))
        return time.monotonic() - start

    elapsed = asyncio.run(main())
    assert 1.9 <= elapsed < 3.0  # 10 at once, then 20 at 10 a second


def test_an_amount_above_the_capacity_waits_for_a_full_bucket():
    async def main():
        bucket = TokenBucket(60)  # 1 a second, capacity 1
        start = time.monotonic()
        await bucket.take(5)
        await bucket.take(5)
        return time.monotonic() - start

    assert 0.9 <= asyncio.run(main()) < 1.6


def test_a_teacher_with_rpm_stays_under_it_over_real_http():
    with FakeOpenAI() as fake:

        async def main():
            teacher = build_teacher(fake.base_url, "m", "k", concurrency=8, rpm=1200, tpm=600000)  # 20 a second
            start = time.monotonic()
            try:
                await asyncio.gather(
                    *(
                        teacher.complete(ChatRequest([{"role": "user", "content": f"hi {i}"}], 0.0, 16, None, i))
                        for i in range(60)
                    )
                )
            finally:
                await teacher.close()
            return time.monotonic() - start

        elapsed = asyncio.run(main())
        assert len(fake.requests) == 60
    assert 1.9 <= elapsed < 5.0  # 20 at once, then 40 at 20 a second


def test_estimated_tokens_counts_prompt_characters_and_the_completion_budget():
    assert (
        estimated_tokens([{"role": "user", "content": "x" * 400}, {"role": "assistant", "content": None}], 100) == 200
    )
