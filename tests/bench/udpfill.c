/* SPDX-License-Identifier: MIT */
/* udpfill.c - open many UDP flows, one datagram each, at a steady rate
 *
 *   udpfill [-r PPS] SRC SPORT NSPORTS DST DPORT NDPORTS
 *
 * From each of NSPORTS sockets bound to SRC:SPORT.. it sends one datagram
 * to each of DST:DPORT..DPORT+NDPORTS-1: NSPORTS x NDPORTS flows, which a
 * NAT on the way holds as as many sessions over NSPORTS mappings.  The
 * rate (default 100000 datagrams/s) is kept with sendmmsg() batches and
 * sleeps, so that a router reading one packet per system call keeps up.
 * Prints the datagrams sent.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(const char *me)
{
	fprintf(stderr, "usage: %s [-r PPS] SRC SPORT NSPORTS DST DPORT NDPORTS\n",
		me);
	return 64;
}

int main(int argc, char **argv)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = "tunnat-fill", .iov_len = 11 };
	unsigned long sport, nsports, dport, ndports, i, j, sent = 0;
	double rate = 100000, t0;
	struct in_addr daddr;
	int opt;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r' || (rate = atof(optarg)) <= 0)
			return usage(argv[0]);
	}
	if (argc - optind != 6 ||
	    inet_pton(AF_INET, argv[optind], &src.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[optind + 3], &daddr) != 1)
		return usage(argv[0]);
	sport = strtoul(argv[optind + 1], NULL, 10);
	nsports = strtoul(argv[optind + 2], NULL, 10);
	dport = strtoul(argv[optind + 4], NULL, 10);
	ndports = strtoul(argv[optind + 5], NULL, 10);
	if (!sport || !dport || sport + nsports > 65536 ||
	    dport + ndports > 65536)
		return usage(argv[0]);

	t0 = now_s();
	for (i = 0; i < nsports; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		src.sin_port = htons((uint16_t)(sport + i));
		if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			perror("udpfill: socket");
			return 1;
		}
		for (j = 0; j < ndports; j += BATCH) {
			unsigned n = ndports - j < BATCH ? (unsigned)(ndports - j)
							 : BATCH, k;
			double ahead;
			int r;

			for (k = 0; k < n; k++) {
				dst[k] = (struct sockaddr_in){
					.sin_family = AF_INET,
					.sin_addr = daddr,
					.sin_port = htons((uint16_t)(dport + j +
								     k)),
				};
				msgs[k] = (struct mmsghdr){ .msg_hdr = {
					.msg_name = &dst[k],
					.msg_namelen = sizeof(dst[k]),
					.msg_iov = &iov, .msg_iovlen = 1,
				} };
			}
			for (k = 0; k < n; k += (unsigned)r) {
				r = sendmmsg(fd, msgs + k, n - k, 0);
				if (r < 0 && errno != EINTR && errno != ENOBUFS) {
					perror("udpfill: sendmmsg");
					return 1;
				}
				if (r < 0)
					r = 0;
			}
			sent += n;
			ahead = sent / rate - (now_s() - t0);
			if (ahead > 0)
				usleep((useconds_t)(ahead * 1e6));
		}
		close(fd);
	}
	printf("%lu\n", sent);
	return 0;
}
