"""Rule rows against independent references: mpmath numerical differentiation."""

import mpmath
import pytest
import sympy as sp

from derive import rules


@pytest.mark.parametrize("name", sorted(rules.ACTIVATIONS))
def test_activation_derivatives_match_numerical_differentiation(name):
    act = rules.ACTIVATIONS[name]
    x = sp.Symbol("x", real=True)
    f = sp.lambdify(x, act.explicit(x), "mpmath")
    prime_z = sp.lambdify(x, act.prime_of_z(x).replace(act.f, act.explicit), "mpmath")
    prime_a = sp.lambdify(x, act.prime_of_a(x), "mpmath")
    with mpmath.workdps(30):
        for z in (-3.5, -0.4, 0, 0.7, 2.25):
            reference = mpmath.diff(f, z)
            assert abs(prime_z(z) - reference) < mpmath.mpf("1e-25")
            assert abs(prime_a(f(z)) - reference) < mpmath.mpf("1e-25")


def test_sigmoid_is_a_named_function_with_the_right_value_and_derivative():
    x = sp.Symbol("x", real=True)
    s = rules.sigmoid(x)
    assert s.rewrite(sp.exp) == 1 / (1 + sp.exp(-x))
    assert sp.diff(s, x) == s * (1 - s)
    assert abs(float(rules.sigmoid(sp.Integer(1)).evalf()) - 0.7310585786300049) < 1e-15


@pytest.mark.parametrize("name", sorted(rules.COSTS))
def test_cost_gradient_is_the_derivative_of_the_term(name):
    cost = rules.COSTS[name]
    a, y = sp.symbols("a y", real=True)
    assert sp.expand(cost.grad(a, y) - sp.diff(cost.term(a, y), a)) == 0


def test_quadratic_cost_has_no_half_and_keeps_the_factor_visible():
    a, y = sp.symbols("a y", real=True)
    q = rules.cost("quadratic")
    assert q.term(a, y) == (a - y) ** 2
    assert q.grad(a, y).args == (2, a - y)  # 2(a − y), not 2a − 2y


def test_lookup_errors_name_the_allowed_rows():
    with pytest.raises(ValueError, match="unknown activation 'relu'; allowed: sigmoid, tanh"):
        rules.activation("relu")
    with pytest.raises(ValueError, match="unknown cost 'l1'; allowed: quadratic"):
        rules.cost("l1")
