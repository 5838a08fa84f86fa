"""Run every benchmark and print its table."""

from . import bench_classify, bench_slices, bench_tracing

if __name__ == "__main__":
    bench_slices.main()
    bench_tracing.main()
    bench_classify.main()
