import pytest

from derive.spec import MAX_NEURONS, MAX_PARAMETERS, SpecError, make_spec, parse_layers


def test_parse_and_count():
    spec = make_spec("4,3,2")
    assert spec.layers == (4, 3, 2)
    assert spec.L == 2
    # 3·(4+1) + 2·(3+1)
    assert spec.n_parameters == 23
    assert spec.slug == "4-3-2"
    assert make_spec([784, 100, 10]).n_parameters == 79_510


def test_whitespace_is_tolerated():
    assert parse_layers(" 4, 3 ,2 ") == (4, 3, 2)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("4,,2", "empty size"),
        ("4", "need at least 2"),
        ("0,3", "size 0"),
        ("-1,2", "size -1"),
        ("a,b", "'a'"),
        ("4.5,2", "'4.5'"),
        ("", "empty"),
        (f"{MAX_NEURONS + 1},2", f"at most {MAX_NEURONS}"),
        ("4000,4000,4000", f"at most {MAX_PARAMETERS:,}"),
    ],
)
def test_bad_layers_name_the_value_and_the_rule(text, fragment):
    with pytest.raises(SpecError) as err:
        make_spec(text)
    message = str(err.value)
    assert fragment in message
    assert "\n" not in message


def test_unknown_rules_are_refused_with_the_allowed_names():
    with pytest.raises(SpecError, match="allowed: sigmoid, tanh"):
        make_spec("2,2", activation="relu6")
    with pytest.raises(SpecError, match="allowed: quadratic"):
        make_spec("2,2", cost="hinge")


def test_non_integer_sizes_from_python():
    with pytest.raises(SpecError, match="not an integer"):
        make_spec([4, 2.5])
    with pytest.raises(SpecError, match="not an integer"):
        make_spec([True, 2])
