"""δ identification, collapsed gradients and the matrix forms."""

import sympy as sp
from conftest import derived

from derive import symbols as s
from derive.rules import sigmoid_prime


def test_gradients_are_a_times_delta(shape):
    d = derived(shape)
    for grad in d.gradients.values():
        pc = grad.chain
        if pc.k is None:
            assert grad.value == s.delta(pc.l, pc.j)  # ∂C/∂b^l_j = δ^l_j
        else:
            assert grad.value == s.a(pc.l - 1, pc.k) * s.delta(pc.l, pc.j)  # a^{l-1}_k δ^l_j


def test_delta_definitions_4_3_2():
    d = derived((4, 3, 2))
    out = d.deltas[(2, 1)]
    assert sp.expand(out.value - sigmoid_prime(s.z(2, 1)) * 2 * (s.a(2, 1) - s.y(1))) == 0
    hidden = d.deltas[(1, 2)]
    rest = s.w(2, 1, 2) * s.delta(2, 1) + s.w(2, 2, 2) * s.delta(2, 2)
    assert hidden.value == sigmoid_prime(s.z(1, 2)) * rest
    assert hidden.definition == s.a(1, 2) * (1 - s.a(1, 2)) * rest


def test_transposed_weight_matrix_is_3_by_2_for_4_3_2():
    forms = derived((4, 3, 2)).layers[1]
    assert forms.W_next_T.shape == (3, 2)  # not the source's 2×2
    assert forms.W_next_T[2, 1] == s.w(2, 2, 3)
    assert forms.outer.shape == (3, 4)
    assert forms.outer[2, 3] == s.a(0, 4) * s.delta(1, 3)
    assert forms.entrywise.shape == (3, 4)
    assert derived((4, 3, 2)).layers[2].W_next_T is None


def test_matrix_equations_cover_every_layer(shape):
    d = derived(shape)
    L = len(shape) - 1
    tags = [(e.tag, e.l) for e in d.equations]
    assert ("BP1", L) in tags
    for l in range(1, L):
        assert ("BP2", l) in tags
    for l in range(1, L + 1):
        assert ("BP3", l) in tags and ("BP4", l) in tags
    for e in d.equations:
        assert e.lhs.shape == e.rhs.shape
