# SPDX-License-Identifier: GPL-3.0-or-later
# bench/: benchmarks, run on demand with 'make bench'
# Add a benchmark (a built program or a script in the source tree) to BENCH_PROGS
# here, or in a fragment included after this one (BENCH_PROGS is first set here).
BENCH_PROGS =

noinst_PROGRAMS += bench/bench_pipeline
bench_bench_pipeline_SOURCES = bench/bench_pipeline.c
bench_bench_pipeline_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
bench_bench_pipeline_LDADD = $(AUDIO_LDADD)
BENCH_PROGS += bench/bench_pipeline bench/bench_latency

# the CPU and memory floors call_bench.sh compares against (not in BENCH_PROGS: it needs arguments)
noinst_PROGRAMS += bench/bench_floor
bench_bench_floor_SOURCES = bench/bench_floor.c
bench_bench_floor_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
bench_bench_floor_LDADD = $(OPENSSL_LIBS)

# the cost of making both phones show the same SAS without a commitment (doc/security.md)
noinst_PROGRAMS += bench/sas_relay
bench_sas_relay_SOURCES = bench/sas_relay.c
bench_sas_relay_LDADD = $(SPHONE_LIBS)
BENCH_PROGS += bench/sas_relay

bench: $(BENCH_PROGS)
	@for p in $(BENCH_PROGS); do \
	  echo "== $$p"; \
	  if test -f "./$$p"; then "./$$p"; else $(SHELL) "$(srcdir)/$$p"; fi || exit 1; \
	done
.PHONY: bench

# mouth-to-ear delay through a JACK server (m2e_bench.sh; needs arguments, so not in BENCH_PROGS)
if HAVE_JACK
noinst_PROGRAMS += bench/m2e_jack
bench_m2e_jack_SOURCES = bench/m2e_jack.c
bench_m2e_jack_CFLAGS = $(AM_CFLAGS) $(JACK_CFLAGS)
bench_m2e_jack_LDADD = $(JACK_LIBS) -lm
endif

# the benchmark scripts and their notes (run from a build directory: sh ../bench/NAME.sh)
EXTRA_DIST += bench/README.md bench/call_bench.sh bench/reg_bench.sh bench/reg_baresip.sh \
	bench/m2e_bench.sh bench/startup_breakdown.sh bench/run_all.sh bench/startup_instr.sh bench/reg_lib.sh \
	bench/call_work.sh bench/bench_lib.sh
