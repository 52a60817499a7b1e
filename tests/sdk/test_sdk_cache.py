"""Answers replayed from the response cache, read by the official SDKs.

The driver (crates/gateway/tests/sdk_clients.rs) configures `cached-openai-model` and
`cached-anthropic-model` with the cache on. A first request stores the answer; the same
request again is served from the cache (`x-switchyard-cache: exact`), streamed or not, in the
asking client's own format, whatever format the answer was stored from.
"""

import os
import uuid

import anthropic
import openai
import pytest

BASE = os.environ["SWITCHYARD_URL"]
KEY = os.environ["SWITCHYARD_KEY"]
CACHED = ["cached-openai-model", "cached-anthropic-model"]


@pytest.fixture(scope="module")
def oai():
    return openai.OpenAI(api_key=KEY, base_url=f"{BASE}/v1", max_retries=0)


@pytest.fixture(scope="module")
def ant():
    return anthropic.Anthropic(api_key=KEY, base_url=BASE, max_retries=0)


def unique_prompt():
    # A fresh prompt per test, so that no other test's answer is found.
    return f"Write a Python function that reverses a list, variant {uuid.uuid4().hex}"


@pytest.mark.parametrize("model", CACHED)
def test_openai_sdk_reads_a_replayed_answer_and_stream(oai, model):
    messages = [{"role": "user", "content": unique_prompt()}]
    first = oai.chat.completions.with_raw_response.create(model=model, messages=messages)
    assert first.headers["x-switchyard-cache"] == "miss"
    text = first.parse().choices[0].message.content
    assert text

    again = oai.chat.completions.with_raw_response.create(model=model, messages=messages)
    assert again.headers["x-switchyard-cache"] == "exact"
    assert again.parse().choices[0].message.content == text

    with oai.chat.completions.with_streaming_response.create(
        model=model, messages=messages, stream=True, stream_options={"include_usage": True}
    ) as resp:
        assert resp.headers["x-switchyard-cache"] == "exact"
        chunks = list(resp.parse())
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == text
    assert chunks[-1].usage is not None


@pytest.mark.parametrize("model", CACHED)
def test_anthropic_sdk_reads_an_answer_stored_for_an_openai_client(oai, ant, model):
    prompt = unique_prompt()
    stored = oai.chat.completions.with_raw_response.create(
        model=model, max_tokens=256, messages=[{"role": "user", "content": prompt}]
    )
    assert stored.headers["x-switchyard-cache"] == "miss"
    text = stored.parse().choices[0].message.content

    with ant.messages.stream(
        model=model, max_tokens=256, messages=[{"role": "user", "content": prompt}]
    ) as stream:
        replayed = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert replayed == text
    assert final.stop_reason == "end_turn"

    raw = ant.messages.with_raw_response.create(
        model=model, max_tokens=256, messages=[{"role": "user", "content": prompt}]
    )
    assert raw.headers["x-switchyard-cache"] == "exact"
    assert raw.parse().content[0].text == text
