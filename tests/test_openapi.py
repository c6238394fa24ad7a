"""The OpenAPI document: it names every route and nothing else, and real answers match it."""

import json
import re
import subprocess
import sys
import uuid

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error

from chatbot.app import create_app
from conftest import ADMIN_TOKEN, FAQ, ROOT, start_server, stop_server

DOCUMENT = ROOT / "chatbot" / "data" / "openapi.json"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}  # Flask answers these for every route by itself
UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:9/none"  # nothing listens on port 9


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def _routes(app) -> set[tuple[str, str]]:
    """(path as the document writes it, method) for every route under /api."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            found |= {(path, method.lower()) for method in rule.methods - IMPLICIT_METHODS}
    return found


def test_every_route_is_documented_and_nothing_else(shipped, tmp_path):
    app = create_app({"FAQ_PATH": str(FAQ), "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}",
                      "JOURNAL_PATH": str(tmp_path / "journal")})
    documented = {(path, method) for path, item in shipped["paths"].items() for method in item}
    routes = _routes(app)
    assert len(routes) >= 9
    assert not routes - documented, (
        f"routes missing from {DOCUMENT.relative_to(ROOT)} (add them under 'paths'): "
        f"{sorted(routes - documented)}")
    assert not documented - routes, f"documented but not served: {sorted(documented - routes)}"


def test_the_document_is_valid_openapi_3_1(shipped):
    assert shipped["openapi"].startswith("3.1.")
    schemathesis.openapi.from_dict(shipped).validate()  # against the OpenAPI 3.1 meta-schema


def _codes(value) -> set[str]:
    """Every error code the document names (the `const` or `enum` of an error's `code`)."""
    if isinstance(value, dict):
        code = value.get("code") if isinstance(value.get("code"), dict) else {}
        found = {code["const"]} if "const" in code else set(code.get("enum", ()))
        return found.union(*(_codes(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_codes(v) for v in value))
    return set()


def _raised() -> set[tuple[int, str]]:
    """(status, code) of every error the code can answer."""
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "chatbot").glob("*.py"))
    pairs = re.findall(r'ApiError\((\d{3}), "(\w+)"', source)  # raised by the API
    pairs += re.findall(r'\b(\d{3}): \("(\w+)"', source)  # mapped from HTTP errors
    pairs += re.findall(r'error_response\((\d{3}), "(\w+)"', source)
    pairs += [("400", "invalid_limit"), ("400", "invalid_offset")]  # f"invalid_{name}"
    return {(int(status), code) for status, code in pairs}


def _documented(shipped: dict) -> set[tuple[int, str]]:
    """(status, code) of every error the document lists under an operation's status."""
    responses = shipped["components"]["responses"]
    pairs = set()
    for item in shipped["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = responses[response["$ref"].rsplit("/", 1)[1]]
                pairs |= {(int(status), code) for code in _codes(response)}
    return pairs


def test_every_error_code_is_documented(shipped):
    raised = {code for _, code in _raised()}
    assert len(raised) > 20
    assert raised == _codes(shipped)
    assert _documented(shipped) <= _raised()


def _readme_table(header: str) -> list[list[str]]:
    """The rows of the README table whose header row starts with `header`."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_the_readme_lists_every_error_code_with_its_status(shipped):
    rows = _readme_table("| status | code | meaning |")
    listed = [(int(status), code.strip("`")) for status, code, _ in rows]
    assert len(listed) == len(set(listed)), "a code is listed twice"
    assert set(listed) == _raised(), (
        f"README.md's error table: missing {sorted(_raised() - set(listed))}, "
        f"not in the code {sorted(set(listed) - _raised())}")
    assert _documented(shipped) <= set(listed)
    assert listed == sorted(listed, key=lambda pair: pair[0])


def _fields(schema, components: dict) -> set[str]:
    """Every property name an answer of this schema can hold, nested ones included."""
    if not isinstance(schema, dict):
        return set()
    if "$ref" in schema:
        return _fields(components[schema["$ref"].rsplit("/", 1)[1]], components)
    found = set(schema.get("properties", {}))
    for value in [*schema.get("properties", {}).values(), schema.get("items"),
                  *schema.get("oneOf", ()), *schema.get("anyOf", ()), *schema.get("allOf", ())]:
        found |= _fields(value, components)
    return found


def test_the_readme_lists_every_response_field(shipped):
    rows = {re.sub(r"<\w+>", "{}", row[0].strip("`")): row[2]
            for row in _readme_table("| method and path |")}
    components = shipped["components"]["schemas"]
    for path, item in shipped["paths"].items():
        for method, operation in item.items():
            endpoint = method.upper() + " " + re.sub(r"{\w+}", "{}", path)
            assert endpoint in rows, f"README.md's API table has no row for {endpoint}"
            success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            content = success["content"]
            schema = content.get("application/json", {}).get("schema")  # CSV: no fields
            # Quoted names, not the quoted values after them ("db": "ok" or "down").
            named = set(re.findall(r'(?<!: )(?<!or )"(\w+)"', rows.pop(endpoint)))
            assert named == _fields(schema, components), endpoint
    assert not rows, f"README.md's API table names endpoints the document lacks: {list(rows)}"


# -- against live servers ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """A live server whose limits never stop the fuzzer: it is there to find errors, not 429s."""
    server = start_server(tmp_path_factory.mktemp("fuzzed"), ADMIN_TOKEN=ADMIN_TOKEN,
                          RATE_LIMIT="100000/minute", ADMIN_LOGIN_LIMIT="100000/minute")
    yield server
    stop_server(server)


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_document(fuzzed, tmp_path):
    # The CLI runs every phase (examples, boundary coverage, fuzzing, stateful chat->feedback).
    # Deterministic and bounded: the same requests on every run, a few seconds each phase.
    # positive_data_acceptance stays off: the server refuses some bodies JSON Schema cannot
    # describe (a message of invisible characters only, a number of 31+ digits or nesting past
    # 20 levels in any field), each with a documented 400.
    # A staff change rewrites the knowledge file and rebuilds the bot (~0.4 s): fewer of those.
    config = tmp_path / "schemathesis.toml"
    config.write_text('generation.max-examples = 50\n\n[[operations]]\n'
                      'include-path-regex = "^/api/v1/admin/(entries|versions|clusters)"\n'
                      'generation.max-examples = 10\n', encoding="utf-8")
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
               f"{fuzzed.url}/api/v1/openapi.json",
               "--checks", "all", "--exclude-checks", "positive_data_acceptance",
               "--generation-deterministic",
               "--header", f"Authorization: Bearer {ADMIN_TOKEN}",
               "--request-timeout", "10", "--no-color"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Every documented operation was tested but the document's own (schemathesis leaves it out).
    operations = sum(len(item) for item in json.loads(DOCUMENT.read_text())["paths"].values())
    tested = re.search(r"Tested: (\d+)", result.stdout)
    assert tested and int(tested.group(1)) == operations - 1, result.stdout


def test_the_message_limit_counts_characters_as_sent(fuzzed):
    # U+0958 is two characters once normalised (NFC): 300 of them must not read as 600.
    accepted = fuzzed.chat("\u0958" * 300)
    assert accepted.status == 200, accepted.body
    refused = fuzzed.chat("a" * 501)
    assert refused.status == 400 and "has 501 characters" in refused.json()["error"]["message"]


def test_rare_answers_match_the_document_too(tmp_path):
    """429, 503, 401, 413, 415: what the fuzzer never provokes, checked by its validator."""
    server = start_server(tmp_path, ADMIN_TOKEN=ADMIN_TOKEN, DATABASE_URL=UNREACHABLE_DB,
                          DATABASE_TIMEOUT=1, RATE_LIMIT="2/minute",
                          ADMIN_LOGIN_LIMIT="1/minute", MAX_MESSAGE_CHARS=120)
    try:
        document = server.request("GET", "/api/v1/openapi.json")
        schema = schemathesis.openapi.from_url(server.url + "/api/v1/openapi.json")

        def answer(method, path, status, **case):
            case = schema[path][method].Case(**case)
            response = case.call(base_url=server.url)
            assert response.status_code == status, response.text
            # A 503 is a documented outage here, not the server error the check looks for.
            case.validate_response(response, excluded_checks=[not_a_server_error]
                                   if status == 503 else None)
            return response

        answer("POST", "/api/v1/chat", 413, body={"message": "a" * 70000})
        answer("POST", "/api/v1/chat", 415, body="hi", media_type="text/plain")
        answer("POST", "/api/v1/chat", 200, body={"message": "hello"})
        limited = answer("POST", "/api/v1/chat", 429, body={"message": "hello"})
        unknown = str(uuid.uuid4())  # taken all the same: the database is never asked
        answer("POST", "/api/v1/feedback", 202, body={"query_id": unknown, "helpful": True})
        answer("GET", "/api/v1/admin/stats", 503, headers=ADMIN)
        answer("GET", "/api/v1/admin/unanswered", 401, headers={"Authorization": "Bearer no"})
        answer("GET", "/api/v1/admin/unanswered", 429, headers=ADMIN)
    finally:
        stop_server(server)
    assert int(limited.headers["retry-after"][0]) > 0
    # Served as JSON, with this server's languages, limit and some of its entry ids filled in.
    assert document.status == 200
    assert document.headers["Content-Type"] == "application/json"
    components = document.json()["components"]
    assert components["schemas"]["Lang"]["enum"] == ["en", "tr"]
    assert components["schemas"]["ChatRequest"]["properties"]["message"]["maxLength"] == 120
    ids = {entry["id"] for entry in json.loads(FAQ.read_text(encoding="utf-8"))["entries"]}
    examples = components["parameters"]["entry_id"]["schema"]["examples"]
    assert examples and set(examples) <= ids
