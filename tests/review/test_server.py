"""pipeline.review.server over real HTTP: the page, the sample, one label per POST saved at
once, and refusals for other hosts, non-JSON posts and bad labels."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from pipeline.review.labels import labels_path, read_labels


def _get(url: str, host: str | None = None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get("Content-Type"), response.read().decode()


def _post(url: str, body, kind: str = "application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_page_state_record_and_a_saved_label(review_url, run_copy):
    status, kind, page = _get(review_url)
    assert status == 200 and kind.startswith("text/html") and "<script>" in page
    state = json.loads(_get(review_url + "api/state")[2])
    assert len(state["sample"]) == 12 and state["labels"] == {} and "wrong_call" in state["reasons"]
    record = json.loads(_get(review_url + "api/record/0")[2])
    assert record["id"] == state["sample"][0]["id"] and 'class="checks"' in record["html"]
    assert record["html"].count("<td>passed</td>") >= 5  # an accepted record passes the checks it is shown with
    status, answer = _post(
        review_url + "api/label", {"record_id": record["id"], "verdict": "reject", "reason": "bad_answer"}
    )
    assert status == 200 and answer["summary"]["reviewed"] == 1 and answer["label"]["category"] == record["category"]
    assert read_labels(run_copy)[record["id"]].reason == "bad_answer"  # on disk before the answer came back
    assert json.loads(_get(review_url + "api/state")[2])["labels"][record["id"]]["verdict"] == "reject"


@pytest.mark.parametrize(
    "body, code, error",
    [
        ({"record_id": "nope", "verdict": "accept"}, 400, "not in the review sample"),
        ({"verdict": "accept"}, 400, "Field required"),
        (b"not json", 400, "Expecting value"),
    ],
)
def test_bad_labels_are_refused_and_nothing_is_written(review_url, run_copy, body, code, error):
    status, answer = _post(review_url + "api/label", body)
    assert status == code and error in answer["error"]
    assert not labels_path(run_copy).exists()


def test_other_hosts_and_form_posts_are_refused(review_url, run_copy):
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(review_url + "api/state", host="evil.example:80")  # DNS rebinding: another name for 127.0.0.1
    assert refused.value.code == 403
    first = json.loads(_get(review_url + "api/state")[2])["sample"][0]["id"]
    status, _ = _post(
        review_url + "api/label", f"record_id={first}&verdict=accept".encode(), "application/x-www-form-urlencoded"
    )
    assert status == 415 and not labels_path(run_copy).exists()
    with pytest.raises(urllib.error.HTTPError) as missing:
        _get(review_url + "api/record/99")  # the sample has 12
    assert missing.value.code == 404


def test_a_broken_labels_file_is_an_answer_not_a_hung_page(review_url, run_copy):
    labels_path(run_copy).parent.mkdir(exist_ok=True)
    labels_path(run_copy).write_text('{"record_id": "a", "verdict": "nope"}\n{"record_id": "b", "verdict": "accept"}\n')
    with pytest.raises(urllib.error.HTTPError) as failed:
        _get(review_url + "api/summary")
    assert failed.value.code == 500 and "not a review label" in json.loads(failed.value.read())["error"]


def test_a_post_without_a_usable_length_is_refused(review_url):
    import http.client

    host, port = review_url.split("//")[1].strip("/").split(":")
    for length in ("abc", "-1", str(10**9)):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.putrequest("POST", "/api/label")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", length)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 400 and "at most" in json.loads(response.read())["error"]
        connection.close()
