"""The per-parameter chain rule, factor by factor, as the source does it."""

import sympy as sp
from conftest import derived

import derive
from derive import symbols as s
from derive.graph import graph, parameters, product, weighted_sum
from derive.rules import sigmoid_prime


def test_graph_definitions_4_3_2():
    g = graph(derive.make_spec([4, 3, 2]))
    # z^2_1 = Σ_k w^2_1k a^1_k + b^2_1
    assert g.z[(2, 1)] == sum(s.w(2, 1, k) * s.a(1, k) for k in (1, 2, 3)) + s.b(2, 1)
    assert g.a[(1, 3)] == derive.rules.sigmoid(s.z(1, 3))
    assert g.cost == (s.a(2, 1) - s.y(1)) ** 2 + (s.a(2, 2) - s.y(2)) ** 2


def test_fast_constructions_equal_sympys_own(shape):
    g = graph(derive.make_spec(list(shape)))
    for (l, j), z in g.z.items():
        slow = sp.Add(*[s.w(l, j, k) * s.a(l - 1, k) for k in g.neurons(l - 1)]) + s.b(l, j)
        assert z == slow and z.args == slow.args and hash(z) == hash(slow)
    x, y = s.a(0, 10), s.w(1, 2, 10)
    assert product(x, y) == x * y and product(y, x) == x * y
    assert weighted_sum([(y, x)], s.b(1, 2)) == x * y + s.b(1, 2)


def test_output_weight_factors():
    c = derived((4, 3, 2)).chain
    pc = c.parameters[s.w(2, 1, 3)]
    dz, da, dC = pc.factors
    # ∂z^2_1/∂w^2_13 = a^1_3
    assert (dz.of, dz.wrt, dz.value) == (s.z(2, 1), s.w(2, 1, 3), s.a(1, 3))
    # ∂a^2_1/∂z^2_1 = σ'(z^2_1) = σ(z^2_1)(1 − σ(z^2_1))
    assert (da.of, da.wrt, da.value) == (s.a(2, 1), s.z(2, 1), sigmoid_prime(s.z(2, 1)))
    sig = derive.rules.sigmoid(s.z(2, 1))
    assert da.forms == (sig * (1 - sig),)
    # ∂C/∂a^2_1 = 2(a^2_1 − y_1)
    assert (dC.of, dC.wrt) == (s.cost(), s.a(2, 1))
    assert sp.expand(dC.value - 2 * (s.a(2, 1) - s.y(1))) == 0
    assert all(f.new for f in pc.factors)


def test_bias_factor_is_one():
    pc = derived((4, 3, 2)).chain.parameters[s.b(1, 2)]
    assert pc.factors[0].value == 1 and pc.k is None


def test_hidden_layer_sums_over_the_next_layer_and_marks_old_factors():
    c = derived((4, 3, 2)).chain
    grad = c.activation_gradients[(1, 1)]
    assert len(grad.paths) == 2  # one term per output neuron
    for j, path in enumerate(grad.paths, start=1):
        new, da, dC = path.factors
        # ∂z^2_j/∂a^1_1 = w^2_j1: the new factor
        assert new.new and (new.of, new.wrt, new.value) == (s.z(2, j), s.a(1, 1), s.w(2, j, 1))
        # σ'(z^2_j) and ∂C/∂a^2_j were computed at the layer above
        assert not da.new and not dC.new
        assert da.value == sigmoid_prime(s.z(2, j))
        assert dC.value == s.dC_da(2, j)
    expected = sum(s.w(2, j, 1) * sigmoid_prime(s.z(2, j)) * s.dC_da(2, j) for j in (1, 2))
    assert sp.expand(grad.value - expected) == 0


def test_every_parameter_has_a_chain_and_the_order_is_stable(shape):
    c = derived(shape).chain
    assert set(c.parameters) == set(parameters(c.graph.spec))
    assert len(c.parameters) == derive.make_spec(list(shape)).n_parameters
    # hidden ∂C/∂a entries: one path per neuron of the next layer
    for (l, k), grad in c.activation_gradients.items():
        expected = 0 if l == len(shape) - 1 else shape[l + 1]
        assert len(grad.paths) == expected


def test_tanh_row_changes_only_the_activation_factor():
    d = derive.derive([2, 2, 1], activation="tanh")
    da = d.chain.parameters[s.w(1, 1, 1)].factors[1]
    assert da.forms == (1 - sp.tanh(s.z(1, 1)) ** 2,)
    assert d.verification.passed
