"""The official OpenAI SDK's Responses API (`client.responses`), unmodified, against Switchyard.

Driven by crates/gateway/tests/sdk_clients.rs (like test_sdk_clients.py). Every upstream is
the mock, which answers "Mock answer to: <start of the last user text>" and calls the first
offered tool. `openai-native-model` is an OpenAI provider configured `responses = "native"`
(the request goes to the mock's /v1/responses as sent); the others are translated.
"""

import json
import os

import openai
import pytest

BASE = os.environ["SWITCHYARD_URL"]
KEY = os.environ["SWITCHYARD_KEY"]

UPSTREAMS = ["openai-native-model", "openai-model", "azure-model", "anthropic-model", "gemini-model"]

PROMPT = "Write a Python function that reverses a linked list"

READ_FILE = {
    "type": "function",
    "name": "read_file",
    "description": "Read a file of the repository",
    "parameters": {
        "type": "object",
        "properties": {"path": {"type": "string"}},
        "required": ["path"],
        "additionalProperties": False,
    },
    "strict": True,
}

APPLY_PATCH = {
    "type": "custom",
    "name": "apply_patch",
    "description": "Use the `apply_patch` tool to edit files. This is a FREEFORM tool.",
    "format": {
        "type": "grammar",
        "syntax": "lark",
        "definition": 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF\n',
    },
}


@pytest.fixture(scope="module")
def oai():
    return openai.OpenAI(api_key=KEY, base_url=f"{BASE}/v1", max_retries=0)


@pytest.mark.parametrize("model", UPSTREAMS)
def test_responses_plain(oai, model):
    raw = oai.responses.with_raw_response.create(
        model=model,
        instructions="You are a coding assistant.",
        input=PROMPT,
        max_output_tokens=64,
        store=False,
    )
    resp = raw.parse()
    assert resp.object == "response"
    assert resp.status == "completed"
    assert resp.output_text.startswith("Mock answer to: Write a Python"), resp.output_text
    assert resp.instructions == "You are a coding assistant."
    assert resp.max_output_tokens == 64
    assert resp.usage.input_tokens > 0 and resp.usage.output_tokens > 0
    assert resp.usage.total_tokens == resp.usage.input_tokens + resp.usage.output_tokens
    assert resp.usage.input_tokens_details.cached_tokens >= 0
    assert raw.headers["x-switchyard-provider"].startswith("mock-")


@pytest.mark.parametrize("model", UPSTREAMS)
def test_responses_stream(oai, model):
    with oai.responses.stream(model=model, input=PROMPT, store=False) as stream:
        text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text.startswith("Mock answer to: Write a Python"), text
    assert final.output_text == text
    assert final.status == "completed"
    assert final.usage.output_tokens > 0


@pytest.mark.parametrize("model", UPSTREAMS)
def test_responses_raw_event_sequence(oai, model):
    events = list(oai.responses.create(model=model, input=PROMPT, stream=True))
    types = [e.type for e in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    for kind in [
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ]:
        assert kind in types, (kind, types)


@pytest.mark.parametrize("model", UPSTREAMS)
def test_responses_function_call_and_its_output(oai, model):
    first = oai.responses.create(model=model, input="Open the main file", tools=[READ_FILE], store=False)
    call = next(i for i in first.output if i.type == "function_call")
    assert call.name == "read_file"
    assert "path" in json.loads(call.arguments)
    history = [{"role": "user", "content": "Open the main file"}]
    history += [i.model_dump(exclude_none=True) for i in first.output]
    history.append({"type": "function_call_output", "call_id": call.call_id, "output": "fn main() {}"})
    final = oai.responses.create(model=model, input=history, tools=[READ_FILE], store=False)
    assert final.output_text == "Tool result received: fn main() {}"


@pytest.mark.parametrize("model", UPSTREAMS)
def test_responses_streamed_function_call(oai, model):
    with oai.responses.stream(model=model, input="Open the main file", tools=[READ_FILE]) as stream:
        args = "".join(e.delta for e in stream if e.type == "response.function_call_arguments.delta")
        final = stream.get_final_response()
    call = next(i for i in final.output if i.type == "function_call")
    assert call.name == "read_file"
    assert json.loads(args) == json.loads(call.arguments)
    assert "path" in json.loads(call.arguments)


@pytest.mark.parametrize("model", UPSTREAMS)
def test_responses_custom_tool_call_and_its_output(oai, model):
    first = oai.responses.create(model=model, input="Fix the bug", tools=[APPLY_PATCH], store=False)
    call = first.output[0]
    assert call.type == "custom_tool_call", first.output
    assert call.name == "apply_patch"
    assert call.input == "x"
    history = [{"role": "user", "content": "Fix the bug"}, call.model_dump(exclude_none=True)]
    history.append({"type": "custom_tool_call_output", "call_id": call.call_id, "output": "Done"})
    final = oai.responses.create(model=model, input=history, tools=[APPLY_PATCH], store=False)
    assert final.output_text == "Tool result received: Done"


@pytest.mark.parametrize("model", UPSTREAMS)
def test_responses_streamed_custom_tool_call(oai, model):
    with oai.responses.stream(model=model, input="Fix the bug", tools=[APPLY_PATCH]) as stream:
        events = list(stream)
        final = stream.get_final_response()
    done = next(e for e in events if e.type == "response.custom_tool_call_input.done")
    assert done.input == "x"
    assert final.output[0].type == "custom_tool_call"


def test_responses_reasoning_items_keep_their_encrypted_content_on_the_native_route(oai):
    kwargs = dict(
        model="openai-native-model",
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
        store=False,
    )
    first = oai.responses.create(input=PROMPT, **kwargs)
    reasoning = first.output[0]
    assert reasoning.type == "reasoning"
    assert reasoning.encrypted_content.startswith("enc_mock")
    assert reasoning.summary[0].text == "Mock reasoning"
    history = [{"role": "user", "content": PROMPT}]
    history += [i.model_dump(exclude_none=True) for i in first.output]
    history.append({"role": "user", "content": "And now in Rust"})
    second = oai.responses.create(input=history, **kwargs)
    assert second.output_text.startswith("Mock answer to: And now in Rust")


def test_responses_reasoning_items_are_accepted_by_translated_routes(oai):
    history = [
        {"role": "user", "content": PROMPT},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA-opaque"},
        {"role": "assistant", "content": [{"type": "output_text", "text": "Done."}]},
        {"role": "user", "content": "And now in Rust"},
    ]
    for model in UPSTREAMS[1:]:
        resp = oai.responses.create(model=model, input=history, store=False)
        assert resp.output_text.startswith("Mock answer to: And now in Rust"), model


def test_responses_previous_response_id_is_a_clear_bad_request(oai):
    with pytest.raises(openai.BadRequestError) as e:
        oai.responses.create(model="openai-model", input="x", previous_response_id="resp_123")
    assert "send the whole conversation" in e.value.message
