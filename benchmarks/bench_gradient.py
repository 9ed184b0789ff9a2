"""Time one log-density + gradient of the latent-factor model, three ways in one process.

Builds the model for the calibrated synthetic data (``--areas`` areas, the last
``--years`` years up to 2024) with its likelihood as the compiled kernel
(:mod:`sesindex.bayes.likelihood.kernel`, the default) and as the pytensor graph
(``build_model(inputs, ModelForm(graph=True))``), compiles ``logp_dlogp_function`` with numba (the
kernel; the graph) and JAX (the graph only, on a frozen model, one XLA thread; needs
``pip install jax``, skipped otherwise) and times ``--calls`` evaluations at the model's
initial point. Prints compile seconds, milliseconds per call, the ratios to the kernel,
and the values (they must agree).

Run: ``python benchmarks/bench_gradient.py --areas 3363 --years 14``
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)


def timed_backend(model, mode: str, calls: int) -> tuple[float, float, float]:
    """Compile seconds, ms per call and the log density at the initial point."""
    t = time.perf_counter()
    if mode == "JAX":
        from pymc.model.transform.optimization import freeze_dims_and_data

        model = freeze_dims_and_data(model)  # XLA needs static shapes
    fn = model.logp_dlogp_function(mode=mode)
    point = model.initial_point()
    args = [point[v.name] for v in fn._grad_vars]
    value = fn._pytensor_function(*args)[0]
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(calls):
        fn._pytensor_function(*args)
    return compile_s, (time.perf_counter() - t) / calls * 1e3, float(value)


def main() -> None:
    from sesindex.bayes.model.form import ModelForm
    from sesindex.bayes.model.graph import build_model
    from sesindex.bayes.model.inputs import model_inputs
    from sesindex.data.synthetic import generate

    FORM, GRAPH = ModelForm(municipality=True), ModelForm(municipality=True, graph=True)

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", type=int, default=3363)
    ap.add_argument("--years", type=int, default=14)
    ap.add_argument("--calls", type=int, default=50)
    args = ap.parse_args()
    years = tuple(range(2024 - args.years + 1, 2025))
    inputs = model_inputs(
        generate(n_areas=args.areas, years=years, seed=20240101).dataset, ["V1", "V2", "V3"]
    )
    results = {
        "kernel (numba)": timed_backend(build_model(inputs, FORM), "NUMBA", args.calls),
        "graph (numba)": timed_backend(build_model(inputs, GRAPH), "NUMBA", args.calls),
    }
    try:
        import jax  # noqa: F401
    except ImportError:
        print("jax not installed: JAX skipped")
    else:
        results["graph (JAX)"] = timed_backend(build_model(inputs, GRAPH), "JAX", args.calls)
    base = results["kernel (numba)"][1]
    for mode, (comp, ms, value) in results.items():
        print(
            f"{mode}: compile {comp:.1f} s, {ms:.2f} ms per log density + gradient "
            f"({ms / base:.1f}x the kernel), value {value!r}"
        )


if __name__ == "__main__":
    main()
