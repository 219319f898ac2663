"""The catalogue, the answers model and the answers file's schema agree."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.errors import AnswersError, MissingAnswersError
from advisor.questions.model import (
    answers_schema,
    question,
    questions,
    validate_answers,
)

VALID = {"freshness": "hours", "reads_per_second": 1, "writes_per_second": 1}


def test_catalogue_keys_match_the_design() -> None:
    keys = [q.key for q in questions()]
    assert keys[:3] == ["freshness", "reads_per_second", "writes_per_second"]
    assert [q.key for q in questions() if q.required] == keys[:3]
    assert len(keys) == len(set(keys)) == 21


def test_schema_accepts_what_the_model_accepts_and_rejects_the_rest() -> None:
    schema = answers_schema()
    jsonschema.validate(validate_answers(VALID), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**VALID, "colour": 1}, schema)
    assert sorted(schema["required"]) == ["freshness", "reads_per_second", "writes_per_second"]


def test_missing_answers_name_key_and_flag() -> None:
    with pytest.raises(MissingAnswersError) as caught:
        validate_answers({"freshness": "hours"})
    assert str(caught.value) == (
        "answers 'reads_per_second' (--reads-per-second), "
        "'writes_per_second' (--writes-per-second): required, not given"
    )


@pytest.mark.parametrize(
    "bad", [{"reads_per_second": -1}, {"reads_per_second": "5"}, {"same_language": "yes"}]
)
def test_wrong_types_and_ranges(bad: dict[str, object]) -> None:
    with pytest.raises(AnswersError, match=f"answer '{next(iter(bad))}'"):
        validate_answers({**VALID, **bad})


def test_messages_quote_at_most_80_characters_of_a_value() -> None:
    with pytest.raises(AnswersError) as caught:
        validate_answers({**VALID, "freshness": "x" * 1_000_000})
    message = str(caught.value)
    assert message.startswith("answer 'freshness': must be one of 'realtime'")
    got = message.split(" (got ", 1)[1].removesuffix(")")
    assert len(got) <= 80 and got.startswith("'xxx") and "..." in got
    with pytest.raises(AnswersError) as caught:
        validate_answers({**VALID, "consumers": [list(range(10**6))]})
    assert "(got [[0, 1, 2, 3, 4, 5, ...]])" in str(caught.value)
    with pytest.raises(AnswersError) as caught:
        validate_answers({**VALID, "k" * 10_000: 1})
    assert str(caught.value) == (
        f"answer '{'k' * 77}...': no such question (see `advisor questions`)"
    )


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 5_000),
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-5, 5_000).map(float),  # 5.0: a whole number written as a float
        st.sampled_from([c for q in questions() for c in q.choices]),
        st.text(max_size=8),
    ),
    lambda inner: st.lists(inner, max_size=2),
    max_leaves=3,
)


@settings(max_examples=400, deadline=None)
@given(key=st.sampled_from([q.key for q in questions()]), value=json_values)
def test_schema_and_validation_agree_on_every_value(key: str, value: object) -> None:
    """What `advisor schema` accepts, `advisor recommend` accepts, and nothing else."""
    answers = {**VALID, key: value}
    try:
        jsonschema.validate(answers, answers_schema())
        schema_accepts = True
    except jsonschema.ValidationError:
        schema_accepts = False
    try:
        validated = validate_answers(answers)
    except AnswersError:
        assert not schema_accepts, f"schema accepts {value!r} for '{key}', validation does not"
        return
    assert schema_accepts, f"validation accepts {value!r} for '{key}', the schema does not"
    assert type(validated[key]) is type(question(key).example())


def test_a_whole_number_written_as_a_float_is_that_integer() -> None:
    assert validate_answers({**VALID, "consumers": 5.0})["consumers"] == 5
    with pytest.raises(AnswersError, match="answer 'consumers': not a whole number"):
        validate_answers({**VALID, "consumers": 5.5})
