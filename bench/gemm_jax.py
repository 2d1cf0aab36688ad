"""The matrix products of one gradient step at batch 256, NumPy (OpenBLAS) against jax.jit (XLA).

Input: none.  Output: one line per network and dtype on stdout (quoted in
bench/NOTES.md): the median time of the step's products run alone — forward
a^{l-1}(W^l)^T, BP3 (δ^l)^T a^{l-1}, BP2 δ^l W^l, with the generated module's
shapes — in NumPy and as one jitted jax function, and their ratio.  It
explains the cells where jax's whole step beats the generated one: there the
difference is the GEMM library, not the code around it.  Needs jax (the
optional extra); not part of run_all.
"""

from __future__ import annotations

import time

import numpy as np


def shapes(layers, B: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    out = []
    for l in range(1, len(layers)):
        n_in, n_out = layers[l - 1], layers[l]
        out.append(((B, n_in), (n_in, n_out)))  # z^l = a^{l-1} (W^l)^T
        out.append(((n_out, B), (B, n_in)))  # ∂C/∂W^l = (δ^l)^T a^{l-1}  (BP3)
        if l > 1:
            out.append(((B, n_out), (n_out, n_in)))  # δ^l W^l, towards δ^{l-1}  (BP2)
    return out


def median_time(f, calls: int = 20, rounds: int = 15) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            f()
        times.append((time.perf_counter() - t) / calls)
    return sorted(times)[rounds // 2]


def main() -> None:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    for layers in [(784, 30, 10), (784, 100, 10), (784, 256, 128, 10)]:
        for dtype in ("float64", "float32"):
            rng = np.random.default_rng(0)
            mats = [(rng.standard_normal(a).astype(dtype), rng.standard_normal(b).astype(dtype))
                    for a, b in shapes(layers, 256)]
            on_device = [(jnp.asarray(a), jnp.asarray(b)) for a, b in mats]
            products = jax.jit(lambda ms: [a @ b for a, b in ms])
            products(on_device)[-1].block_until_ready()  # compile

            def numpy_products(mats=mats):
                for a, b in mats:
                    np.dot(a, b)

            def jax_products(products=products, on_device=on_device):
                products(on_device)[-1].block_until_ready()

            t_np = median_time(numpy_products)
            time.sleep(0.2)  # let OpenBLAS's threads stop spinning before XLA's run
            t_jax = median_time(jax_products)
            arch = "-".join(map(str, layers))
            print(f"{arch} {dtype}: NumPy {t_np * 1e6:.0f} µs, jax {t_jax * 1e6:.0f} µs, jax / NumPy {t_jax / t_np:.2f}")


if __name__ == "__main__":
    main()
