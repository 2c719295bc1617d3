"""Converting Sigma rules: what the converted pattern matches (tried on lines as the logs
write them), the thresholds correlations become, and the refusals, each on one line
naming where in the file the inexpressible part is."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from irdesk.formats.rules import default_files, load_rules
from irdesk.formats.sigma import Refused, convert

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures_sigma"
TODAY = date(2026, 11, 30)
ACCESS = (
    '{ip} - {user} [30/Nov/2026:06:55:46 +0000] "{method} {uri} HTTP/1.1" {status} 153 "-" '
    '"curl/8.5"'
)


@pytest.fixture(scope="module")
def sources():  # noqa: ANN201
    return load_rules(default_files()).sources


def converted(name: str, sources, **kw):  # noqa: ANN001, ANN003
    path = FIXTURES / name
    result = convert(path.read_text(), str(path), sources=sources, today=TODAY, **kw)
    return result


def rule_of(result) -> dict:  # noqa: ANN001
    (rule,) = yaml.safe_load(result.text)["rules"]
    return rule


def access(ip="203.0.113.9", user="-", method="GET", uri="/", status=200) -> str:  # noqa: ANN001
    return ACCESS.format(ip=ip, user=user, method=method, uri=uri, status=status)


def test_keywords_are_searched_anywhere_in_any_case(sources):  # noqa: ANN001
    result = converted("sshd-errors.yml", sources)
    rule = rule_of(result)
    assert rule["id"] == "openssh-daemon-reports-a-protocol-level-error"
    assert (rule["source"], rule["requires"], rule["severity"]) == ("external", ["auth"], "SEV3")
    assert rule["reference"] == "https://github.com/openssh/openssh-portable/blob/master/ssherr.c"
    assert rule["reviewed"] == TODAY and "threshold" not in rule
    pattern = re.compile(rule["match"])
    assert pattern.search("Nov 30 06:55:46 web1 sshd[812]: Corrupted MAC on input.")
    assert pattern.search("Nov 30 06:55:46 web1 sshd[812]: BAD CLIENT PUBLIC DH VALUE")
    assert not pattern.search("Nov 30 06:55:46 web1 sshd[812]: Accepted publickey for ada")
    assert (
        "# author: irdesk tests" in result.text
        and "# false positives: Very old clients" in result.text
    )
    assert any("matches letters in any case" in note for note in result.notes)


def test_field_selections_on_access_lines_and_not(sources):  # noqa: ANN001
    pattern = re.compile(rule_of(converted("web-traversal.yml", sources))["match"])
    assert pattern.search(access(uri="/download?file=../../etc/passwd"))
    assert pattern.search(access(uri="/download?file=..%2F..%2Fetc%2Fpasswd"))  # any case
    assert pattern.search("shop.example " + access(uri="/a?x=%2e%2e%2fetc"))  # with a vhost
    assert not pattern.search(access(uri="/download?file=../../etc/passwd", status=404))
    assert not pattern.search(access(uri="/../../etc/passwd"))  # in the path, not the query
    assert not pattern.search(access(uri="/download?file=report.pdf"))


def test_an_event_count_correlation_becomes_a_threshold_grouped_by_client(sources):  # noqa: ANN001
    result = converted("web-404-burst.yml", sources)
    rule = rule_of(result)
    assert rule["id"] == "web-content-discovery-burst"
    assert rule["title"] == "Web Content Discovery Burst (c_ip {c_ip})"
    assert rule["group_by"] == ["c_ip"] and rule["threshold"] == {"count": 20, "within": "1m"}
    assert rule["reference"] == "https://attack.mitre.org/techniques/T1595/003/"
    match = re.compile(rule["match"]).search(access(ip="198.51.100.4", status=404))
    assert match and match.group("c_ip") == "198.51.100.4"
    assert not re.search(rule["match"], access(status=200))
    assert result.rules == ["web-content-discovery-burst"]  # the base rule is part of it


def test_a_value_count_correlation_counts_distinct_users(sources):  # noqa: ANN001
    rule = rule_of(converted("web-login-users.yml", sources))
    assert rule["threshold"] == {"distinct": "cs_username", "count": 4, "within": "10m"}
    assert rule["group_by"] == ["c_ip"] and rule["severity"] == "SEV2"
    pattern = re.compile(rule["match"])
    hit = pattern.search(access(user="bob", method="POST", uri="/account/login", status=401))
    assert hit and hit.group("cs_username") == "bob" and hit.group("c_ip") == "203.0.113.9"
    assert pattern.search(
        access(user="eve", method="post", uri="/account/login?next=/", status=403)
    )
    for miss in (
        access(user="bob", method="GET", uri="/account/login", status=401),
        access(user="bob", method="POST", uri="/account/login", status=200),
        access(user="bob", method="POST", uri="/account/login2", status=401),
    ):
        assert not pattern.search(miss), miss


@pytest.mark.parametrize(
    "name, where, reason",
    [
        (
            "pam-fields.yml",
            "pam-fields.yml:9:22: detection.selection.pam_message",
            "field 'pam_message': a syslog line has no named fields; only keywords can be "
            "searched in it",
        ),
        (
            "process-creation.yml",
            "process-creation.yml:4:5: logsource",
            "irdesk has no log source for product: linux, category: process_creation; name "
            "the source that holds such lines with --source ID",
        ),
        (
            "temporal.yml",
            "temporal.yml:13:11: correlation.type",
            "'temporal': irdesk counts events (event_count) or distinct values (value_count) "
            "of one rule in a sliding window; temporal correlations have no equivalent",
        ),
    ],
)
def test_what_cannot_be_said_is_refused_with_where_and_why(name, where, reason, sources):  # noqa: ANN001
    result = converted(name, sources)
    assert result.rules == [] and result.text == ""
    (line,) = result.refused
    assert line == f"{FIXTURES / where}: cannot be converted: {reason}"


def sigma(detection: str, logsource: str = "category: webserver", extra: str = "") -> str:
    body = "\n".join("    " + line for line in detection.strip().splitlines())
    return f"title: T\nlogsource:\n    {logsource}\ndetection:\n{body}\n{extra}"


@pytest.mark.parametrize(
    "detection, reason",
    [
        (
            "sel:\n    cs-uri-query|base64offset|contains: x\ncondition: sel",
            "the modifier 'base64offset'",
        ),
        (
            "sel:\n    cs-host: a\ncondition: sel",
            "field 'cs-host' is not part of an access log line",
        ),
        ("sel:\n    sc-status: null\ncondition: sel", "only text and number values"),
        ("sel: [a]\ncondition: sel | count() by c-ip < 3\ntimeframe: 1m", "only 'count() by FIELD"),
        ("sel: [a]\ncondition: sel | count() by c-ip > 3", "counting needs a timeframe"),
        ("sel: [a]\ncondition: sel and other", "no selection named 'other'"),
        ("sel: [a]\ncondition: (sel", "a parenthesis is not closed"),
        ("sel: ['']\ncondition: sel", "an empty keyword matches every line"),
        (
            "sel: [a]\ncondition: sel | count() by c-ip > 3\ntimeframe: 2w",
            "'2w': expected a number",
        ),
    ],
)
def test_refusals(detection: str, reason: str, sources):  # noqa: ANN001
    result = convert(sigma(detection), "x.yml", sources=sources, today=TODAY)
    (line,) = result.refused
    assert line.startswith("x.yml:") and reason in line, line


def test_conditions_of_names_and_the_legacy_count(sources):  # noqa: ANN001
    text = sigma(
        "sel_a: ['/wp-login.php']\nsel_b: ['/xmlrpc.php']\nfilter:\n    c-ip: '10.*'\n"
        "condition: 1 of sel_* and not filter | count() by c-ip >= 5\ntimeframe: 10m"
    )
    rule = rule_of(convert(text, "x.yml", sources=sources, today=TODAY))
    assert rule["threshold"] == {"count": 5, "within": "10m"} and rule["group_by"] == ["c_ip"]
    pattern = re.compile(rule["match"])
    assert pattern.search(access(uri="/wp-login.php")).group("c_ip") == "203.0.113.9"
    assert pattern.search(access(uri="/XMLRPC.php"))
    assert not pattern.search(access(ip="10.1.2.3", uri="/wp-login.php"))  # filtered
    assert not pattern.search(access(uri="/index.php"))


def test_all_of_and_wildcards_and_cased(sources):  # noqa: ANN001
    text = sigma(
        "sel:\n    cs-user-agent|contains|all: ['sqlmap', 'http']\n"
        "ua:\n    cs-uri-stem|cased: '/Admin*'\ncondition: all of them"
    )
    pattern = re.compile(rule_of(convert(text, "x.yml", sources=sources, today=TODAY))["match"])
    line = access(uri="/Admin/login").replace('"curl/8.5"', '"sqlmap/1.7 (http://sqlmap.org)"')
    assert pattern.search(line)
    assert not pattern.search(line.replace("/Admin", "/admin"))  # cased
    assert not pattern.search(line.replace("http://", "ftp://"))  # all of the values


def test_jsonl_sources_match_the_message_and_group_by_fields(sources, tmp_path: Path):  # noqa: ANN001
    from irdesk.domain.detection import LogSource

    mine = {**sources, "shop": LogSource("shop", ("/srv/shop/app.jsonl",), "jsonl")}
    text = (
        "title: Shop Logins\nname: fails\nlogsource:\n    product: shop\ndetection:\n"
        "    sel:\n        message|startswith: 'login failed'\n    condition: sel\n---\n"
        "title: Stuffing\ncorrelation:\n    type: value_count\n    rules: fails\n"
        "    group-by: [ip]\n    timespan: 5m\n    condition:\n        field: account\n"
        "        gte: 20\n"
    )
    result = convert(text, "s.yml", sources=mine, today=TODAY, source_ids=["shop"])
    rule = rule_of(result)
    assert rule["match"] == "^(?i:login\\ failed)" or rule["match"] == "^(?i:login failed)"
    assert rule["group_by"] == ["ip"]
    assert rule["threshold"] == {"distinct": "account", "count": 20, "within": "5m"}
    refused = convert(
        text.replace("message|startswith", "level"),
        "s.yml",
        sources=mine,
        today=TODAY,
        source_ids=["shop"],
    )
    assert "a rule on JSON lines matches their message field only" in refused.refused[0]


def test_not_sigma_at_all_is_one_line():
    with pytest.raises(Refused, match=r"^x.yml:1:1: document 1 is not a Sigma rule"):
        convert("- a list\n", "x.yml", sources={}, today=TODAY)
    with pytest.raises(Refused, match=r"^x.yml:2:\d+: not valid YAML"):
        convert("title: [\n  oops: {", "x.yml", sources={}, today=TODAY)
