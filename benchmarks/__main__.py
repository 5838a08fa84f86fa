"""Run every benchmark and print its table."""

from . import (bench_accuracy, bench_autotrace, bench_classify, bench_curation, bench_fit, bench_seeds, bench_slices,
               bench_tracing)

if __name__ == "__main__":
    bench_slices.main()
    bench_tracing.main()
    bench_classify.main()
    bench_fit.main()
    bench_curation.main()
    bench_seeds.main()
    bench_autotrace.main()
    bench_accuracy.main([])
