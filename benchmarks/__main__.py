"""Run every benchmark and print its table."""

from . import bench_slices

if __name__ == "__main__":
    bench_slices.main()
