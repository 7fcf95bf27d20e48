/* SPDX-License-Identifier: MIT */
/* engine.c - benchmark of the NAPT engine alone, without any device
 *
 * For 1 flow, 64 Ki flows and 1 Mi flows (UDP, each its own mapping,
 * spread over 32 public addresses as endpoint-independent mapping needs
 * for a million mappings), it measures:
 *
 *   new     ns to open a session (mapping, port, hash, timer), per flow
 *   out/in  ns to translate a packet of an established flow, in random
 *           flow order, each direction.  The packets are laid out in the
 *           order they are sent, so reading them is sequential (as a packet
 *           just read from a device is in cache) and only the engine's own
 *           memory is touched at random; a loop that only copies the
 *           packets into the buffer is timed and subtracted; "one" sends
 *           packets one at a time, "batch" 16 at a time through
 *           nat_prefetch(), as tunnat's loop does with what one wake-up
 *           reads
 *   expire  ns to free an idle session with nat_expire()
 *   B/sess  resident memory the engine gained, divided by the sessions
 *
 * Each figure is the median of RUNS runs (-r, default 5), each on a fresh
 * engine whose tables come from the same allocator as tunnat's (huge
 * pages where the kernel allows).  The clock is passed in, as tunnat does.
 * -f FLOWS runs one of the three sizes alone (for a profiler).
 */

#include <arpa/inet.h>

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/hugemem.h"
#include "nat/nat.h"
#include "net/csum.h"
#include "net/ipv4.h"

#define TPL		48	/* bytes of a template packet: IPv4 + UDP + 20 */
#define POOL_N		32
#define FLOWS_PER_HOST	64
#define RUNS_MAX	31
#define BATCH		16

static uint32_t pool[POOL_N];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%lu %lu", &size, &rss) != 2) {
		perror("/proc/self/statm");
		exit(1);
	}
	fclose(f);
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* A UDP packet from @s:@sp to @d:@dp with correct checksums. */
static void udp_packet(uint8_t *b, uint32_t s, uint16_t sp, uint32_t d,
		       uint16_t dp)
{
	struct ipv4_hdr *ip = (struct ipv4_hdr *)(void *)b;
	struct udp_hdr *uh = (struct udp_hdr *)(void *)(b + 20);
	uint16_t c;

	memset(b, 0, TPL);
	*ip = (struct ipv4_hdr){
		.ver_ihl = 0x45, .tot_len = htons(TPL), .ttl = 64,
		.proto = IPPROTO_UDP, .saddr = s, .daddr = d,
	};
	ip->check = csum_buf(ip, 20);
	*uh = (struct udp_hdr){ .sport = htons(sp), .dport = htons(dp),
				.len = htons(TPL - 20) };
	memcpy(b + 28, "tunnat-bench-payload", 20);
	c = (uint16_t)~csum_fold(csum_add(csum_pseudo(s, d, IPPROTO_UDP,
						      TPL - 20), uh, TPL - 20));
	uh->check = c ? c : 0xffff;
}

/*
 * out[i] and in[i] are the packets of flow order[i]: the i-th packet sent
 * in a pass belongs to a random flow, but sits right after the (i-1)-th.
 */
struct flows {
	uint32_t n;
	uint8_t (*out)[TPL];	/* inside host -> server */
	uint8_t (*in)[TPL];	/* server -> public endpoint, filled by run */
	uint32_t *order;	/* a random permutation of 0..n-1 */
};

static void flows_make(struct flows *f, uint32_t n)
{
	uint32_t server = htonl(0xc6336401);	/* 198.51.100.1 */
	uint32_t i;

	f->n = n;
	f->out = malloc((size_t)n * TPL);
	f->in = malloc((size_t)n * TPL);
	f->order = malloc((size_t)n * sizeof(*f->order));
	if (!f->out || !f->in || !f->order) {
		perror("malloc");
		exit(1);
	}
	/* touch the reply templates now, so that the engine's resident
	 * memory is measured without them (not with zeroes: a compiler
	 * may turn malloc() and memset(0) into a calloc() that touches
	 * nothing) */
	memset(f->in, 0xff, (size_t)n * TPL);
	for (i = 0; i < n; i++)
		f->order[i] = i;
	srandom(42);
	for (i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)random() % (i + 1), t = f->order[i];

		f->order[i] = f->order[j];
		f->order[j] = t;
	}
	for (i = 0; i < n; i++) {
		/* flow k: host 10.0.0.1 + k / 64, 64 flows each */
		uint32_t k = f->order[i];
		uint32_t host = htonl(0x0a000001 + k / FLOWS_PER_HOST);

		udp_packet(f->out[i], host,
			   (uint16_t)(20000 + k % FLOWS_PER_HOST), server, 53);
	}
}

static void flows_free(struct flows *f)
{
	free(f->out);
	free(f->in);
	free(f->order);
}

struct result {
	double new_ns, out_ns, in_ns, out_b_ns, in_b_ns, expire_ns, bytes;
};

static struct nat *engine(uint32_t max)
{
	struct nat_config cfg = {
		.addrs = pool, .naddrs = POOL_N,
		.port_lo = 1024, .port_hi = 65535,
		.max_sessions = max,
		.tcp_est_ms = 7440000, .tcp_open_ms = 240000,
		.tcp_close_ms = 240000,
		.udp_ms = 300000, .icmp_ms = 60000, .gre_ms = 300000,
		.other_ms = 600000,
		.router_addr = htonl(0xc0000008),
		.icmp_errors_per_s = 100,
		.seed = { 1, 2, 3, 4 },
		.mem_alloc = hugemem_alloc,
		.mem_free = hugemem_free,
	};
	struct nat *n = nat_new(&cfg);

	if (!n) {
		perror("nat_new");
		exit(1);
	}
	return n;
}

/* Time @passes passes over the flows in random order, translating (or, if
 * !@translate, only copying), @batch packets at a time. */
static double pass(struct nat *n, struct flows *f, uint8_t (*tpl)[TPL],
		   enum pkt_dir dir, unsigned passes, uint8_t *buf,
		   unsigned batch, uint64_t now, bool translate)
{
	struct pkt pk[BATCH], *pp[BATCH];
	double t0 = now_ns();
	unsigned k, j;
	uint32_t i;

	for (k = 0; k < passes; k++) {
		for (i = 0; i < f->n; i += batch) {
			unsigned cnt = f->n - i < batch ? f->n - i : batch;

			for (j = 0; j < cnt; j++) {
				uint8_t *b = buf + (size_t)j * 128;

				memcpy(b, tpl[i + j], TPL);
				pkt_init(&pk[j], b, TPL, PKT_DATA_MAX, dir);
				pp[j] = &pk[j];
			}
			if (!translate) {
				__asm__ volatile("" : : "r"(buf) : "memory");
				continue;
			}
			if (batch > 1)
				nat_prefetch(n, pp, cnt);
			for (j = 0; j < cnt; j++) {
				if (nat_translate(n, &pk[j], now) ==
				    VERDICT_FORWARD)
					continue;
				fprintf(stderr, "packet %u dropped: %s\n",
					i + j, drop_reason_str(pk[j].drop));
				exit(1);
			}
		}
	}
	return now_ns() - t0;
}

/* Net ns per packet of a translated pass over a copy-only one. */
static double per_packet(struct nat *n, struct flows *f, uint8_t (*tpl)[TPL],
			 enum pkt_dir dir, unsigned passes, uint8_t *buf,
			 unsigned batch, uint64_t now)
{
	double base = pass(n, f, tpl, dir, passes, buf, batch, now, false);
	double t = pass(n, f, tpl, dir, passes, buf, batch, now, true);

	return (t - base) / ((double)f->n * passes);
}

static void run_once(struct flows *f, uint8_t *buf, struct result *r)
{
	unsigned passes = f->n >= 10000000 ? 1 : 10000000 / f->n;
	uint64_t rss0 = rss_bytes(), now = 1000;
	struct nat *n;
	double t;
	uint32_t i;

	n = engine(f->n);
	/* open every session, and learn each flow's public endpoint */
	t = now_ns();
	for (i = 0; i < f->n; i++) {
		struct pkt p;

		memcpy(buf, f->out[i], TPL);
		pkt_init(&p, buf, TPL, PKT_DATA_MAX, DIR_OUT);
		if (nat_translate(n, &p, now) != VERDICT_FORWARD) {
			fprintf(stderr, "new flow %u: %s\n", i,
				drop_reason_str(p.drop));
			exit(1);
		}
		udp_packet(f->in[i], ipv4_hdr(&p)->daddr,
			   ntohs(((struct udp_hdr *)(void *)(buf + 20))->dport),
			   ipv4_hdr(&p)->saddr,
			   ntohs(((struct udp_hdr *)(void *)(buf + 20))->sport));
	}
	r->new_ns = (now_ns() - t) / f->n;
	r->bytes = (double)(rss_bytes() - rss0) / f->n;

	r->out_ns = per_packet(n, f, f->out, DIR_OUT, passes, buf, 1, now);
	r->in_ns = per_packet(n, f, f->in, DIR_IN, passes, buf, 1, now);
	r->out_b_ns = per_packet(n, f, f->out, DIR_OUT, passes, buf, BATCH,
				 now);
	r->in_b_ns = per_packet(n, f, f->in, DIR_IN, passes, buf, BATCH, now);

	now += 300000;
	t = now_ns();
	if (nat_expire(n, now, UINT32_MAX) != f->n) {
		fprintf(stderr, "not every session expired\n");
		exit(1);
	}
	r->expire_ns = (now_ns() - t) / f->n;
	nat_free(n);
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 1, 65536, 1000000 };
	double newv[RUNS_MAX], outv[RUNS_MAX], inv[RUNS_MAX], outbv[RUNS_MAX],
	       inbv[RUNS_MAX], expv[RUNS_MAX], bv[RUNS_MAX];
	unsigned runs = 5, s, k, first = 0, last = 2;
	uint8_t *buf;
	int opt;

	while ((opt = getopt(argc, argv, "r:f:")) != -1) {
		bool bad = true;

		if (opt == 'r') {
			runs = (unsigned)atoi(optarg);
			bad = runs < 1 || runs > RUNS_MAX;
		} else if (opt == 'f') {
			for (s = 0; s < 3; s++)
				if (sizes[s] == strtoul(optarg, NULL, 10))
					first = last = s, bad = false;
		}
		if (bad) {
			fprintf(stderr, "usage: %s [-r RUNS (1-%d)] "
				"[-f 1|65536|1000000]\n", argv[0], RUNS_MAX);
			return 64;
		}
	}
	/* large blocks always from fresh pages, as when tunnat starts:
	 * without this, glibc raises its threshold after the first run
	 * frees its tables, and the later runs' calloc()s clear (so
	 * count) recycled heap pages that a first engine never touches */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	for (k = 0; k < POOL_N; k++)
		pool[k] = htonl(0x64400001 + k);	/* 100.64.0.1 ... */
	if (posix_memalign((void **)&buf, 64, PKT_DATA_MAX + 1))
		return 1;

	printf("engine benchmark: median of %u runs, UDP, 32 public addresses\n",
	       runs);
	printf("%-8s %8s %8s %8s %8s %8s %8s %8s\n", "", "new", "out",
	       "in", "out", "in", "expire", "memory");
	printf("%-8s %8s %8s %8s %8s %8s %8s %8s\n", "flows", "ns", "ns/one",
	       "ns/one", "ns/batch", "ns/batch", "ns", "B/sess");
	for (s = first; s <= last; s++) {
		struct flows f;

		flows_make(&f, sizes[s]);
		for (k = 0; k < runs; k++) {
			struct result r;

			run_once(&f, buf, &r);
			newv[k] = r.new_ns;
			outv[k] = r.out_ns;
			inv[k] = r.in_ns;
			outbv[k] = r.out_b_ns;
			inbv[k] = r.in_b_ns;
			expv[k] = r.expire_ns;
			bv[k] = r.bytes;
		}
		printf("%-8u %8.0f %8.1f %8.1f %8.1f %8.1f %8.0f %8.1f\n",
		       sizes[s], median(newv, runs), median(outv, runs),
		       median(inv, runs), median(outbv, runs),
		       median(inbv, runs), median(expv, runs),
		       sizes[s] >= 65536 ? median(bv, runs) : 0.0);
		fflush(stdout);
		flows_free(&f);
	}
	free(buf);
	return 0;
}
