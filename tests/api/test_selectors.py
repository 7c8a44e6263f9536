"""Label and field selectors against upstream's test tables and error texts.

Parse/print/match tables are taken from k8s.io/apimachinery/pkg/labels/selector_test.go
(TestSelectorParse, TestSelectorMatches, TestSetSelectorParser, TestToString,
TestRequirementSelectorMatching, TestRequirementConstructor); error texts from selector.go and
from metav1 LabelSelectorAsSelector ("values: Invalid value: []string(nil): for 'in', 'notin'
operators, values set can't be empty" is what callers of it report). Field selector cases follow
k8s.io/apimachinery/pkg/fields/selector_test.go.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubelab.api import (
    Requirement,
    Selector,
    SelectorError,
    parse_field_selector,
    parse_selector,
    selector_from_dict,
)
from kubelab.api.selectors import (
    DOES_NOT_EXIST,
    DOUBLE_EQUALS,
    EQUALS,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_EQUALS,
    NOT_IN,
    new_requirement,
    selector_from_set,
)

LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
NAME_PART_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


# TestSelectorParse: good strings print back without their blanks.
@pytest.mark.parametrize(
    "text",
    ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"],
)
def test_parse_and_print_round_trip(text: str) -> None:
    assert str(parse_selector(text)) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["x=a||y=b", "x==a==b", "!x=a", "x<a"])
def test_bad_strings_are_refused(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_parse_is_deterministic() -> None:
    # TestDeterministicParse
    assert str(parse_selector("x=a,a=x")) == str(parse_selector("a=x,x=a")) == "a=x,x=a"


@pytest.mark.parametrize(
    ("text", "labels", "match"),
    [
        # TestSelectorMatches
        ("", {"x": "y"}, True),
        ("x=y", {"x": "y"}, True),
        ("x=y,z=w", {"x": "y", "z": "w"}, True),
        ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
        ("notin=in", {"notin": "in"}, True),  # in and notin in exact match
        ("x", {"x": "z"}, True),
        ("!x", {"y": "z"}, True),
        ("x>1", {"x": "2"}, True),
        ("x<1", {"x": "0"}, True),
        ("x=z", {}, False),
        ("x=y", {"x": "z"}, False),
        ("x=y,z=w", {"x": "w", "z": "w"}, False),
        ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
        ("x", {"y": "z"}, False),
        ("!x", {"x": "z"}, False),
        ("x>1", {"x": "0"}, False),
        ("x<1", {"x": "2"}, False),
        ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
        ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
        # TestRequirementSelectorMatching, written as strings
        ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
        ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
        ("x notin (),y", {"y": ""}, True),
        ("!x,y", {"y": ""}, True),
        ("x notin (),!y", {"y": ""}, False),
        ("x in ()", {"y": "baz"}, False),
        ("z>1", {"z": "2"}, True),
        ("z>1", {"z": "v2"}, False),
    ],
)
def test_matches(text: str, labels: dict[str, str], match: bool) -> None:
    assert parse_selector(text).matches(labels) is match


# TestSetSelectorParser: what each valid string parses to.
@pytest.mark.parametrize(
    ("text", "requirements"),
    [
        ("", []),
        ("\rx", [Requirement("x", EXISTS)]),
        (
            "this-is-a-dns.domain.com/key-with-dash",
            [Requirement("this-is-a-dns.domain.com/key-with-dash", EXISTS)],
        ),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            [Requirement("this-is-another-dns.domain.com/key-with-dash", IN, ("so", "what"))],
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            [Requirement("0.1.2.domain/99", NOT_IN, ("10.10.100.1", "tick.tack.clock"))],
        ),
        ("foo  in\t (abc)", [Requirement("foo", IN, ("abc",))]),
        ("x notin\n (abc)", [Requirement("x", NOT_IN, ("abc",))]),
        ("x  notin\t\t\t(abc,def)", [Requirement("x", NOT_IN, ("abc", "def"))]),
        ("x in (abc,def)", [Requirement("x", IN, ("abc", "def"))]),
        ("x in (abc,)", [Requirement("x", IN, ("", "abc"))]),
        ("x in ()", [Requirement("x", IN, ("",))]),
        (
            "x notin (abc,def),bar,z in (),w",
            [
                Requirement("bar", EXISTS),
                Requirement("w", EXISTS),
                Requirement("x", NOT_IN, ("abc", "def")),
                Requirement("z", IN, ("",)),
            ],
        ),
        ("x,y in (a)", [Requirement("x", EXISTS), Requirement("y", IN, ("a",))]),
        ("x=a", [Requirement("x", EQUALS, ("a",))]),
        ("x>1", [Requirement("x", GREATER_THAN, ("1",))]),
        ("x<7", [Requirement("x", LESS_THAN, ("7",))]),
        ("x=a,y!=b", [Requirement("x", EQUALS, ("a",)), Requirement("y", NOT_EQUALS, ("b",))]),
        (
            "x=a,y!=b,z in (h,i,j)",
            [
                Requirement("x", EQUALS, ("a",)),
                Requirement("y", NOT_EQUALS, ("b",)),
                Requirement("z", IN, ("h", "i", "j")),
            ],
        ),
        ("x notin ( )", [Requirement("x", NOT_IN, ("",))]),
        ("x notin (, a)", [Requirement("x", NOT_IN, ("", "a"))]),
        ("a ", [Requirement("a", EXISTS)]),
        (
            "a in (x,y,notin, z,in)",  # operator words inside a value list are values
            [Requirement("a", IN, ("in", "notin", "x", "y", "z"))],
        ),
        ("x==a", [Requirement("x", DOUBLE_EQUALS, ("a",))]),
    ],
)
def test_parse_results(text: str, requirements: list[Requirement]) -> None:
    assert parse_selector(text) == Selector(tuple(requirements))
    assert list(parse_selector(text).requirements) == requirements


# TestSetSelectorParser invalid cases, with selector.go's messages.
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x,y in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
        (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
        (
            "x nott in (y)",
            "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt",
        ),
        ("a in (xyz),", "found '', expected: identifier after ','"),
        ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
        ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
        ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
        ("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
        ("(", "found '(', expected: !, identifier, or 'end of string'"),
        ("x==a==b", "found '==', expected: ',' or 'end of string'"),
        ("!x=a", "found '=', expected: ',' or 'end of string'"),
        ("x in a", "unable to parse requirement: found 'a' expected: '('"),
        ("x=(", "unable to parse requirement: found '(', expected: identifier"),
        (
            "x<a",
            "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' "
            "operators, the value must be an integer",
        ),
        (
            # The parser has no field path, which Go prints as <nil>.
            "Foo_=bar",
            'unable to parse requirement: <nil>: Invalid value: "Foo_": ' + NAME_PART_MSG,
        ),
        (
            "app=a@b",
            'unable to parse requirement: values[0][app]: Invalid value: "a@b": ' + LABEL_VALUE_MSG,
        ),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as exc:
        parse_selector(text)
    assert str(exc.value) == message


# TestToString
@pytest.mark.parametrize(
    ("requirements", "text"),
    [
        (
            [
                Requirement("x", IN, ("abc", "def")),
                Requirement("y", NOT_IN, ("jkl",)),
                Requirement("z", EXISTS),
            ],
            "x in (abc,def),y notin (jkl),z",
        ),
        (
            [
                Requirement("x", NOT_IN, ("abc", "def")),
                Requirement("y", NOT_EQUALS, ("jkl",)),
                Requirement("z", DOES_NOT_EXIST),
            ],
            "x notin (abc,def),y!=jkl,!z",
        ),
        (
            [
                Requirement("x", NOT_IN, ("abc",)),
                Requirement("y", IN, ("jkl", "mno")),
                Requirement("z", NOT_IN, ("",)),
            ],
            "x notin (abc),y in (jkl,mno),z notin ()",
        ),
        (
            [
                Requirement("x", EQUALS, ("abc",)),
                Requirement("y", DOUBLE_EQUALS, ("jkl",)),
                Requirement("z", NOT_EQUALS, ("a",)),
                Requirement("z", EXISTS),
            ],
            "x=abc,y==jkl,z!=a,z",
        ),
        (
            [
                Requirement("x", GREATER_THAN, ("2",)),
                Requirement("y", LESS_THAN, ("8",)),
                Requirement("z", EXISTS),
            ],
            "x>2,y<8,z",
        ),
        # Values print sorted without being reordered in place (safeSort).
        ([Requirement("x", IN, ("b", "a"))], "x in (a,b)"),
    ],
)
def test_to_string(requirements: list[Requirement], text: str) -> None:
    assert str(Selector(tuple(requirements))) == text


# TestRequirementConstructor
@pytest.mark.parametrize(
    ("key", "op", "values", "ok"),
    [
        ("x", IN, None, False),
        ("x", NOT_IN, [], False),
        ("x", IN, ["foo"], True),
        ("x", NOT_IN, ["foo"], True),
        ("x", EXISTS, None, True),
        ("x", DOES_NOT_EXIST, None, True),
        ("1foo", IN, ["bar"], True),
        ("1234", IN, ["bar"], True),
        ("y", GREATER_THAN, ["1"], True),
        ("z", LESS_THAN, ["6"], True),
        ("foo", GREATER_THAN, ["bar"], False),
        ("barz", LESS_THAN, ["blah"], False),
        ("a" * 254, EXISTS, None, False),
    ],
)
def test_requirement_constructor(key: str, op: str, values: list[str] | None, ok: bool) -> None:
    if ok:
        assert new_requirement(key, op, values).key == key
    else:
        with pytest.raises(SelectorError):
            new_requirement(key, op, values)


def test_requirement_constructor_messages() -> None:
    with pytest.raises(SelectorError) as exc:
        new_requirement("x", "bogus", ["a"])
    assert str(exc.value) == (
        'operator: Unsupported value: "bogus": supported values: "in", "notin", "=", "==", "!=", '
        '"gt", "lt", "exists", "!"'
    )
    with pytest.raises(SelectorError) as exc:
        new_requirement("x", EQUALS, ["a", "b"])
    assert str(exc.value) == (
        'values: Invalid value: []string{"a", "b"}: exact-match compatibility requires one single '
        "value"
    )


def test_empty_and_everything() -> None:
    assert parse_selector("").empty()
    assert Selector.everything().matches({"x": "y"})
    assert not parse_selector("x").empty()
    assert selector_from_set(None).empty()
    assert selector_from_set({"b": "2", "a": "1"}) == parse_selector("a=1,b=2")


def test_requires_exact_match() -> None:
    sel = parse_selector("app=web,tier in (front),env notin (dev)")
    assert sel.requires_exact_match("app") == "web"
    assert sel.requires_exact_match("tier") == "front"
    assert sel.requires_exact_match("env") is None
    assert sel.requires_exact_match("missing") is None


# metav1.LabelSelectorAsSelector
def test_selector_from_dict() -> None:
    sel = selector_from_dict(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "back"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "team", "operator": "Exists"},
            ],
        }
    )
    # Sorted by key, not by the printed text: "app" < "canary".
    assert str(sel) == "app=web,!canary,env notin (dev),team,tier in (back,front)"
    assert sel.matches({"app": "web", "tier": "front", "team": "a"})
    assert not sel.matches({"app": "web", "tier": "front", "team": "a", "canary": "1"})
    assert not sel.matches({"app": "web", "tier": "middle", "team": "a"})


def test_selector_from_dict_empty_and_missing() -> None:
    assert selector_from_dict({}).matches({"a": "b"})  # empty selects everything
    assert selector_from_dict({}).empty()
    nothing = selector_from_dict(None)  # a missing selector selects nothing
    assert not nothing.matches({})
    assert not nothing.empty()


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            {"matchExpressions": [{"key": "k", "operator": "In"}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't "
            "be empty",
        ),
        (
            {"matchExpressions": [{"key": "k", "operator": "NotIn", "values": []}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't "
            "be empty",
        ),
        (
            {"matchExpressions": [{"key": "k", "operator": "Exists", "values": ["a"]}]},
            'values: Invalid value: []string{"a"}: values set must be empty for exists and does '
            "not exist",
        ),
        (
            {"matchExpressions": [{"key": "name", "operator": "Seriously"}]},
            '"Seriously" is not a valid label selector operator',
        ),
        (
            {"matchLabels": {"app": "a b"}},
            'values[0][app]: Invalid value: "a b": ' + LABEL_VALUE_MSG,
        ),
        (
            {"matchLabels": {"bad key": "x"}},
            'key: Invalid value: "bad key": ' + NAME_PART_MSG,
        ),
    ],
)
def test_selector_from_dict_errors(selector: dict[str, object], message: str) -> None:
    with pytest.raises(SelectorError) as exc:
        selector_from_dict(selector)
    assert str(exc.value) == message


# ----------------------------------------------------------------------------- round trip

_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_names = st.builds(
    lambda first, middle, last: first + middle + last if middle or last else first,
    st.sampled_from(_NAME_CHARS),
    st.text(alphabet=_NAME_CHARS + "-_.", max_size=8),
    st.sampled_from(_NAME_CHARS),
)
_prefixes = st.lists(
    st.text(alphabet="abcxyz019", min_size=1, max_size=5), min_size=1, max_size=3
).map(".".join)
_keys = st.one_of(_names, st.builds(lambda p, n: f"{p}/{n}", _prefixes, _names)).filter(
    lambda k: k not in ("in", "notin")
)
_values = st.one_of(st.just(""), _names)


@st.composite
def _requirement_text(draw: st.DrawFn) -> str:
    key = draw(_keys)
    op = draw(st.sampled_from(["=", "==", "!=", "in", "notin", "exists", "!", ">", "<"]))
    if op in ("=", "==", "!="):
        return f"{key}{op}{draw(_values)}"
    if op in ("in", "notin"):
        vals = draw(st.lists(_values, min_size=1, max_size=4))
        return f"{key} {op} ({','.join(vals)})"
    if op == "exists":
        return key
    if op == "!":
        return "!" + key
    return f"{key}{op}{draw(st.integers(min_value=0, max_value=10**6))}"


@settings(max_examples=200, deadline=None)
@given(st.lists(_requirement_text(), max_size=5).map(",".join))
def test_printed_selector_reparses_to_the_same_selector(text: str) -> None:
    sel = parse_selector(text)
    again = parse_selector(str(sel))
    assert again == sel
    assert str(again) == str(sel)


# ----------------------------------------------------------------------------- field selectors


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("", ""),
        ("a=b", "a=b"),
        ("a==b", "a=b"),
        ("a!=b", "a!=b"),
        ("b=c,a=b", "a=b,b=c"),  # terms are sorted
        ("metadata.name=x,status.phase!=Running", "metadata.name=x,status.phase!=Running"),
        ("a=b\\,c", "a=b\\,c"),  # an escaped comma is data
        ("a=x\\=y", "a=x\\=y"),
        ("a=", "a="),
    ],
)
def test_field_selector_parse_print(text: str, printed: str) -> None:
    assert str(parse_field_selector(text)) == printed


def test_field_selector_values_unescape() -> None:
    sel = parse_field_selector("a=b\\,c\\\\d")
    assert sel.requirements[0].value == "b,c\\d"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "invalid selector: 'a'; can't understand 'a'"),
        ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
    ],
)
def test_field_selector_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as exc:
        parse_field_selector(text)
    assert str(exc.value) == message


def test_field_selector_matches_objects() -> None:
    pod = {
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"nodeName": "node-1", "hostNetwork": False},
        "status": {"phase": "Running"},
    }
    assert parse_field_selector("metadata.name=web").matches(pod)
    assert not parse_field_selector("metadata.name=db").matches(pod)
    assert parse_field_selector("status.phase!=Pending,spec.nodeName=node-1").matches(pod)
    assert not parse_field_selector("status.phase!=Running").matches(pod)
    assert parse_field_selector("spec.hostNetwork=false").matches(pod)
    # A missing field reads as "": unscheduled pods have spec.nodeName "".
    assert parse_field_selector("spec.schedulerName=").matches(pod)
    assert parse_field_selector("").matches(pod)
    assert parse_field_selector("metadata.name=web").requires_exact_match("metadata.name") == "web"
