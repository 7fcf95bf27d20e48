/* SPDX-License-Identifier: MIT */
/* faultshim.c - faults injected into tunnat, for tests/lab/faults.sh only
 *
 * Preloaded (LD_PRELOAD) into tunnat by the fault tests, never installed.
 * It does two things, each only when asked:
 *
 *  - write(2) to a TUN device fails, with errno EAGAIN, ENOBUFS or EIO,
 *    for a packet that carries the marker "tunnat-fault:EAGAIN" (or
 *    ":ENOBUFS", ":EIO") anywhere in its bytes.  So the test chooses which
 *    packets fail by what it sends, and every other packet goes through:
 *    the kernel gives these errors only under load or races a test cannot
 *    make on demand (a full queue, a device going down).
 *  - the wall clock (CLOCK_REALTIME and its relatives, gettimeofday(2),
 *    time(2)) is moved by the number of seconds written in the file named
 *    by TUNNAT_SHIM_CLOCK, read again at each call, as if the
 *    administrator had stepped it (date -s).  The monotonic clocks are
 *    left alone: a step of the real clock changes only the wall clock, and
 *    changing the real one would change it for the whole machine, as
 *    network namespaces do not separate time.
 */

#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MARKER		"tunnat-fault:"

static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_clock_gettime)(clockid_t, struct timespec *);

/* Is @fd the descriptor of a TUN device (/dev/net/tun, 10:200)? */
static int is_tun(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == 10 && minor(st.st_rdev) == 200;
}

/* The errno asked for by a marker in @buf, or 0. */
static int marked(const void *buf, size_t len)
{
	static const struct { const char *name; int err; } errs[] = {
		{ "EAGAIN", EAGAIN }, { "ENOBUFS", ENOBUFS }, { "EIO", EIO },
	};
	const char *p = memmem(buf, len, MARKER, sizeof(MARKER) - 1);
	size_t i, left;

	if (!p)
		return 0;
	p += sizeof(MARKER) - 1;
	left = len - (size_t)(p - (const char *)buf);
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (left >= strlen(errs[i].name) &&
		    !memcmp(p, errs[i].name, strlen(errs[i].name)))
			return errs[i].err;
	return 0;
}

/* Fails a marked packet's write to a TUN device; else the real write. */
ssize_t write(int fd, const void *buf, size_t len)
{
	int err;

	if (!real_write)
		real_write = (ssize_t (*)(int, const void *, size_t))
			dlsym(RTLD_NEXT, "write");
	err = marked(buf, len);
	if (err && is_tun(fd)) {
		errno = err;
		return -1;
	}
	return real_write(fd, buf, len);
}

/* The seconds to add to the wall clock: the file's number, or 0. */
static long step_s(void)
{
	const char *path = getenv("TUNNAT_SHIM_CLOCK");
	char text[32];
	ssize_t n;
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return strtol(text, NULL, 10);
}

/* The real clock, with CLOCK_REALTIME and its coarse form stepped. */
int clock_gettime(clockid_t id, struct timespec *ts)
{
	int rc;

	if (!real_clock_gettime)
		real_clock_gettime = (int (*)(clockid_t, struct timespec *))
			dlsym(RTLD_NEXT, "clock_gettime");
	rc = real_clock_gettime(id, ts);
	if (!rc && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += step_s();
	return rc;
}

/* The stepped wall clock, through clock_gettime() above. */
int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

/* The stepped wall clock, in seconds. */
time_t time(time_t *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
