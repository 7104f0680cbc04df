# bench/: benchmarks, run on demand with 'make bench'
