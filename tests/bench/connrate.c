/* SPDX-License-Identifier: MIT */
/* connrate.c - new TCP connections per second, each closed with a RST
 *
 * Server:  connrate -s PORT
 *	accepts connections on 0.0.0.0:PORT and closes each at once, with
 *	SO_LINGER 0 (RST), until killed.
 * Client:  connrate [-n WORKERS] [-d SECONDS] HOST PORT
 *	WORKERS threads (default 32) each loop connect(), then close() with
 *	SO_LINGER 0, for SECONDS (default 10); then prints
 *
 *	    RATE connections/s (DONE in ELAPSED s, WORKERS workers, FAILED failed)
 *
 *	where DONE counts completed three-way handshakes and RATE is
 *	DONE / ELAPSED.  Exit status 1 if no handshake completed.
 *
 * Closing with a RST on both sides leaves no socket in TIME_WAIT, so the
 * client's ephemeral ports are reused at once and the rate is bound by the
 * path (NAT session setup and tear-down), not by port exhaustion.  This is
 * test 4 of the benchmark protocol in performance.md section 6; lab.sh runs
 * it through the kernel's NAT and through tunnat.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SERVER_THREADS	2
#define MAX_WORKERS	4096

static struct sockaddr_in target;
static atomic_ulong done_n;
static atomic_ulong failed_n;
static atomic_int last_errno;

static void usage(FILE *f)
{
	fprintf(f, "Usage: connrate -s PORT\n"
		"       connrate [-n WORKERS] [-d SECONDS] HOST PORT\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/**
 * rst_close() - close a socket with a RST instead of a FIN
 * @fd:	connected socket
 *
 * SO_LINGER with a zero timeout makes close() abort the connection, so
 * neither end keeps the tuple in TIME_WAIT.
 */
static void rst_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			atomic_store(&last_errno, errno);
			atomic_fetch_add(&failed_n, 1);
			usleep(1000);
			continue;
		}
		/*
		 * ECONNRESET: the server's RST came in before this
		 * thread woke up from connect(), so the handshake did
		 * complete (tcp_reset() gives ECONNREFUSED in SYN_SENT).
		 */
		if (connect(fd, (struct sockaddr *)&target,
			    sizeof(target)) == 0 || errno == ECONNRESET) {
			atomic_fetch_add(&done_n, 1);
		} else {
			atomic_store(&last_errno, errno);
			atomic_fetch_add(&failed_n, 1);
		}
		rst_close(fd);
	}
	return NULL;
}

static void *acceptor(void *arg)
{
	int lfd = *(int *)arg;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			rst_close(fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			usleep(1000);
	}
	return NULL;
}

/**
 * parse_uint() - a decimal number in [@min, @max]
 * @s:		the text
 * @min:	smallest value accepted
 * @max:	largest value accepted
 *
 * Return: the number, or -1 if @s is not one or is out of range.
 */
static long parse_uint(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	return v;
}

static int run_server(long port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	pthread_t tid[SERVER_THREADS];
	int one = 1;
	int fd, i;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("connrate: socket");
		return 71;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, 4096)) {
		perror("connrate: bind/listen");
		return 71;
	}
	for (i = 0; i < SERVER_THREADS; i++) {
		if (pthread_create(&tid[i], NULL, acceptor, &fd)) {
			fprintf(stderr, "connrate: cannot start a thread\n");
			return 71;
		}
	}
	fprintf(stderr, "connrate: listening on port %ld\n", port);
	pthread_join(tid[0], NULL);
	return 0;
}

static int run_client(long workers, long seconds)
{
	struct timespec dur = { .tv_sec = seconds };
	unsigned long done, failed;
	pthread_attr_t attr;
	double t0, elapsed;
	pthread_t tid;
	long i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	t0 = now_s();
	for (i = 0; i < workers; i++) {
		if (pthread_create(&tid, &attr, worker, NULL)) {
			fprintf(stderr, "connrate: cannot start a thread\n");
			return 71;
		}
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &dur, &dur) == EINTR)
		;
	done = atomic_load(&done_n);
	failed = atomic_load(&failed_n);
	elapsed = now_s() - t0;

	printf("%.0f connections/s (%lu in %.2f s, %ld workers, %lu failed)\n",
	       done / elapsed, done, elapsed, workers, failed);
	if (failed)
		fprintf(stderr, "connrate: last error: %s\n",
			strerror(atomic_load(&last_errno)));
	fflush(stdout);
	/* The workers are still in connect(); exit ends them. */
	_exit(done ? 0 : 1);
}

int main(int argc, char **argv)
{
	long workers = 32, seconds = 10, port = -1;
	int c;

	while ((c = getopt(argc, argv, "hs:n:d:")) != -1) {
		switch (c) {
		case 's':
			port = parse_uint(optarg, 1, 65535);
			if (port < 0)
				goto bad;
			break;
		case 'n':
			workers = parse_uint(optarg, 1, MAX_WORKERS);
			if (workers < 0)
				goto bad;
			break;
		case 'd':
			seconds = parse_uint(optarg, 1, 86400);
			if (seconds < 0)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (port > 0) {
		if (optind != argc)
			goto bad;
		return run_server(port);
	}
	if (argc - optind != 2)
		goto bad;
	target.sin_family = AF_INET;
	port = parse_uint(argv[optind + 1], 1, 65535);
	if (port < 0 || inet_pton(AF_INET, argv[optind], &target.sin_addr) != 1)
		goto bad;
	target.sin_port = htons(port);
	return run_client(workers, seconds);
bad:
	usage(stderr);
	return 64;
}
