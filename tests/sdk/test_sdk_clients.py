"""The official OpenAI and Anthropic Python SDKs, unmodified, against Switchyard.

Driven by crates/switchyard/tests/sdk_clients.rs, which starts the gateway and the mock
provider on port 0 and passes the gateway's address in SWITCHYARD_URL. Every upstream is
the mock, which answers "Mock answer to: <start of the last user text>" and calls the first
offered tool, so these tests can check that content crossed each translation intact.
"""

import json
import os

import anthropic
import openai
import pytest

BASE = os.environ["SWITCHYARD_URL"]
KEY = os.environ["SWITCHYARD_KEY"]

# Aliases configured by the Rust driver: one per upstream wire format.
UPSTREAMS = ["openai-model", "azure-model", "anthropic-model", "gemini-model"]

WEATHER_TOOL_OPENAI = {
    "type": "function",
    "function": {
        "name": "read_file",
        "description": "Read a file of the repository",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string"}},
            "required": ["path"],
        },
    },
}
WEATHER_TOOL_ANTHROPIC = {
    "name": "read_file",
    "description": "Read a file of the repository",
    "input_schema": {
        "type": "object",
        "properties": {"path": {"type": "string"}},
        "required": ["path"],
    },
}


@pytest.fixture(scope="module")
def oai():
    return openai.OpenAI(api_key=KEY, base_url=f"{BASE}/v1", max_retries=0)


@pytest.fixture(scope="module")
def ant():
    return anthropic.Anthropic(api_key=KEY, base_url=BASE, max_retries=0)


PROMPT = "Write a Python function that reverses a linked list"


@pytest.mark.parametrize("model", UPSTREAMS)
def test_openai_client_plain(oai, model):
    raw = oai.chat.completions.with_raw_response.create(
        model=model,
        messages=[
            {"role": "system", "content": "You are a coding assistant."},
            {"role": "user", "content": PROMPT},
        ],
        max_tokens=64,
    )
    resp = raw.parse()
    assert resp.choices[0].message.role == "assistant"
    assert resp.choices[0].message.content.startswith("Mock answer to: Write a Python")
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.prompt_tokens > 0
    assert resp.usage.completion_tokens > 0
    assert raw.headers["x-switchyard-provider"] == "mock-" + model.split("-")[0]
    assert raw.headers["x-request-id"].startswith("req_")
    assert int(raw.headers["x-switchyard-overhead-us"]) >= 0


@pytest.mark.parametrize("model", UPSTREAMS)
def test_openai_client_stream_with_usage(oai, model):
    stream = oai.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, finish, usage = "", None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert text.startswith("Mock answer to: Write a Python"), text
    assert finish == "stop"
    assert usage is not None and usage.completion_tokens > 0


@pytest.mark.parametrize("model", UPSTREAMS)
def test_openai_client_tool_call_round_trip(oai, model):
    messages = [{"role": "user", "content": "Open the main file"}]
    resp = oai.chat.completions.create(
        model=model, messages=messages, tools=[WEATHER_TOOL_OPENAI]
    )
    choice = resp.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "read_file"
    assert "path" in json.loads(call.function.arguments)
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "fn main() {}"})
    final = oai.chat.completions.create(
        model=model, messages=messages, tools=[WEATHER_TOOL_OPENAI]
    )
    assert final.choices[0].message.content == "Tool result received: fn main() {}"


@pytest.mark.parametrize("model", UPSTREAMS)
def test_openai_client_streamed_tool_call(oai, model):
    stream = oai.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Open the main file"}],
        tools=[WEATHER_TOOL_OPENAI],
        stream=True,
    )
    name, args, ids, finish = "", "", set(), None
    for chunk in stream:
        for choice in chunk.choices:
            for tc in choice.delta.tool_calls or []:
                if tc.id:
                    ids.add(tc.id)
                if tc.function and tc.function.name:
                    name += tc.function.name
                if tc.function and tc.function.arguments:
                    args += tc.function.arguments
            finish = choice.finish_reason or finish
    assert name == "read_file"
    assert "path" in json.loads(args)
    assert len(ids) == 1
    assert finish == "tool_calls"


@pytest.mark.parametrize("model", UPSTREAMS)
def test_anthropic_client_plain(ant, model):
    msg = ant.messages.create(
        model=model,
        max_tokens=64,
        system="You are a coding assistant.",
        messages=[{"role": "user", "content": PROMPT}],
    )
    assert msg.type == "message"
    assert msg.content[0].type == "text"
    assert msg.content[0].text.startswith("Mock answer to: Write a Python")
    assert msg.stop_reason == "end_turn"
    assert msg.usage.input_tokens > 0 and msg.usage.output_tokens > 0


@pytest.mark.parametrize("model", UPSTREAMS)
def test_anthropic_client_stream(ant, model):
    with ant.messages.stream(
        model=model,
        max_tokens=64,
        messages=[{"role": "user", "content": PROMPT}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text.startswith("Mock answer to: Write a Python"), text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0


@pytest.mark.parametrize("model", UPSTREAMS)
def test_anthropic_client_tool_use_round_trip(ant, model):
    messages = [{"role": "user", "content": "Open the main file"}]
    msg = ant.messages.create(
        model=model, max_tokens=64, messages=messages, tools=[WEATHER_TOOL_ANTHROPIC]
    )
    assert msg.stop_reason == "tool_use"
    use = next(b for b in msg.content if b.type == "tool_use")
    assert use.name == "read_file" and "path" in use.input
    messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in msg.content]})
    messages.append(
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "fn main() {}"}],
        }
    )
    final = ant.messages.create(
        model=model, max_tokens=64, messages=messages, tools=[WEATHER_TOOL_ANTHROPIC]
    )
    assert final.content[0].text == "Tool result received: fn main() {}"


@pytest.mark.parametrize("model", UPSTREAMS)
def test_anthropic_client_streamed_tool_use(ant, model):
    with ant.messages.stream(
        model=model,
        max_tokens=64,
        messages=[{"role": "user", "content": "Open the main file"}],
        tools=[WEATHER_TOOL_ANTHROPIC],
    ) as stream:
        final = stream.get_final_message()
    use = next(b for b in final.content if b.type == "tool_use")
    assert use.name == "read_file" and "path" in use.input
    assert final.stop_reason == "tool_use"


def test_unknown_model_is_a_not_found_error_in_each_format(oai, ant):
    with pytest.raises(openai.NotFoundError) as e:
        oai.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    assert e.value.code == "model_not_found"
    with pytest.raises(anthropic.NotFoundError):
        ant.messages.create(model="no-such-model", max_tokens=8, messages=[{"role": "user", "content": "x"}])


def test_wrong_key_is_an_authentication_error_in_each_format():
    bad_oai = openai.OpenAI(api_key="wrong-key-123", base_url=f"{BASE}/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad_oai.chat.completions.create(model="openai-model", messages=[{"role": "user", "content": "x"}])
    bad_ant = anthropic.Anthropic(api_key="wrong-key-123", base_url=BASE, max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        bad_ant.messages.create(model="openai-model", max_tokens=8, messages=[{"role": "user", "content": "x"}])


def test_models_list_in_both_shapes(oai, ant):
    ids = {m.id for m in oai.models.list()}
    assert set(UPSTREAMS) <= ids
    anthropic_ids = {m.id for m in ant.models.list()}
    assert set(UPSTREAMS) <= anthropic_ids


def test_embeddings(oai):
    resp = oai.embeddings.create(model="openai-model", input=["fn main() {}", "def main(): pass"])
    assert len(resp.data) == 2
    assert len(resp.data[0].embedding) > 0
