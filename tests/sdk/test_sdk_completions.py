"""The official OpenAI Python SDK's legacy completions (`client.completions.create` with
`suffix`: fill in the middle, what IDE assistants send) against Switchyard, for every upstream
kind: the OpenAI-compatible one answers at its own /completions, the others through chat.

Driven by crates/gateway/tests/sdk_clients.rs (see test_sdk_clients.py).
"""

import os

import openai
import pytest

BASE = os.environ["SWITCHYARD_URL"]
KEY = os.environ["SWITCHYARD_KEY"]

UPSTREAMS = ["openai-model", "azure-model", "anthropic-model", "gemini-model"]
PREFIX = "def add(a, b):\n    return "
SUFFIX = "\n\nprint(add(1, 2))\n"


@pytest.fixture(scope="module")
def oai():
    return openai.OpenAI(api_key=KEY, base_url=f"{BASE}/v1", max_retries=0)


@pytest.mark.parametrize("model", UPSTREAMS)
def test_fill_in_the_middle(oai, model):
    resp = oai.completions.create(model=model, prompt=PREFIX, suffix=SUFFIX, max_tokens=16)
    assert resp.object == "text_completion"
    # The mock echoes the start of what reached it: the prefix, natively or inside the
    # chat prompt that asks for the middle.
    assert resp.choices[0].text.startswith("Mock answer to: ")
    assert "def add(a, b):" in resp.choices[0].text
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.total_tokens > 0


@pytest.mark.parametrize("model", UPSTREAMS)
def test_fill_in_the_middle_streamed(oai, model):
    stream = oai.completions.create(
        model=model,
        prompt=PREFIX,
        suffix=SUFFIX,
        max_tokens=16,
        stream=True,
        stream_options={"include_usage": True},
    )
    text = ""
    usage = None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].text
        if chunk.usage:
            usage = chunk.usage
    assert text.startswith("Mock answer to: ")
    assert "def add(a, b):" in text
    assert usage is not None and usage.total_tokens > 0
