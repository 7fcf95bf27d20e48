/* SPDX-License-Identifier: MIT */
/* privs.c - switch to the configured user and drop every capability
 *
 * Theory of operation.  tunnat needs privileges only to open and set up its
 * TUN devices (CAP_NET_ADMIN, and CAP_SYS_ADMIN to enter other network
 * namespaces).  main.c does that first; then privs_drop(), in this order:
 *
 * 1. started as root: clear every capability set, then capng_change_id()
 *    switches to the user's uid and primary group, drops the supplementary
 *    groups and clears the bounding set (libcap-ng keeps CAP_SETPCAP just
 *    long enough to do so);
 *    started as root of a user namespace whose map lacks the user (a lab
 *    run with "unshare --user --map-root-user", where only root is
 *    mapped): no switch is possible, and none is needed, root of that
 *    namespace being an unprivileged user outside it; so uid 0 is kept
 *    and every capability set is emptied, the bounding set included;
 *    started as another user (a container given CAP_NET_ADMIN, say): that
 *    user cannot change identity, so it is kept; the effective, permitted,
 *    inheritable and ambient sets are emptied, and the bounding set too if
 *    CAP_SETPCAP allows;
 * 2. the ambient set is cleared explicitly;
 * 3. PR_SET_NO_NEW_PRIVS: no exec can ever give anything back;
 * 4. the result is read back from the kernel: no capability may be left in
 *    the effective or permitted set, and (started as root, but for the
 *    case above) the uid is not 0.
 *
 * The open TUN file descriptors keep working without any capability.
 */

#include <sys/prctl.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "log.h"
#include "privs.h"

int privs_lookup_user(const char *user, uid_t *uid, gid_t *gid)
{
	const struct passwd *pw;
	char *end;
	unsigned long n;

	pw = getpwnam(user);
	if (!pw && user[0] >= '0' && user[0] <= '9') {
		errno = 0;
		n = strtoul(user, &end, 10);
		if (errno || *end || n != (uid_t)n)
			return -ENOENT;
		pw = getpwuid((uid_t)n);
		if (!pw) {
			/* a bare uid without an entry: its own group id */
			*uid = (uid_t)n;
			*gid = (gid_t)n;
			return 0;
		}
	}
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int privs_lookup_group(const char *group, gid_t *gid)
{
	const struct group *gr = getgrnam(group);
	unsigned long n;
	char *end;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (group[0] < '0' || group[0] > '9')
		return -ENOENT;
	errno = 0;
	n = strtoul(group, &end, 10);
	if (errno || *end || n != (gid_t)n)
		return -ENOENT;
	*gid = (gid_t)n;
	return 0;
}

/**
 * id_map() - look @id up in the user namespace map @path
 * @path:	"/proc/self/uid_map" or "/proc/self/gid_map"
 * @outside:	if not NULL, set to the id @id has outside the namespace
 *
 * Each line of the map is "FIRST-INSIDE FIRST-OUTSIDE COUNT".  A map that
 * cannot be read (no user namespaces) maps every id to itself.
 *
 * Return: whether @id has a place in the map
 */
static bool id_map(const char *path, unsigned long id, unsigned long *outside)
{
	unsigned long in, out, count;
	bool found = false;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		if (outside)
			*outside = id;
		return true;
	}
	while (!found && fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3) {
		found = id >= in && id - in < count;
		if (found && outside)
			*outside = out + (id - in);
	}
	fclose(f);
	return found;
}

/* Stay root of this user namespace, with nothing at all (see step 1). */
static int drop_to_userns_root(const char *user, uid_t uid)
{
	unsigned long outside = 0;
	int err;

	id_map("/proc/self/uid_map", 0, &outside);
	log_warn("user %s (uid %u) has no uid in this user namespace: staying its root, uid %lu outside it, with no capabilities",
		 user, (unsigned)uid, outside);
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_apply(CAPNG_SELECT_BOTH)) {
		log_err("cannot drop capabilities");
		return -EPERM;
	}
	/* EPERM: setgroups is denied in this namespace, so are groups */
	if (setgroups(0, NULL) && errno != EPERM) {
		err = -errno;
		log_err("cannot drop the supplementary groups: %s",
			strerror(-err));
		return err;
	}
	return 0;
}

/* Become @uid/@gid with no capability and no bounding set (from root). */
static int drop_from_root(const char *user, uid_t uid, gid_t gid)
{
	int rc;

	if (uid == 0)
		log_warn("user %s is root: staying uid 0, without capabilities",
			 user);
	capng_clear(CAPNG_SELECT_ALL);
	rc = capng_change_id((int)uid, (int)gid,
			     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc) {
		log_err("cannot switch to user %s (uid %u, gid %u): capng_change_id() returned %d",
			user, (unsigned)uid, (unsigned)gid, rc);
		return -EPERM;
	}
	return 0;
}

/* Keep the current unprivileged identity; empty every set we may. */
static int drop_as_user(const char *user, uid_t uid)
{
	bool bounds;

	if (uid != getuid())
		log_warn("not started as root: cannot switch to user %s, staying uid %u",
			 user, (unsigned)getuid());
	capng_get_caps_process();
	bounds = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_apply(bounds ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS)) {
		log_err("cannot drop capabilities");
		return -EPERM;
	}
	if (!bounds)
		log_info("no CAP_SETPCAP: the capability bounding set is left as it is (no_new_privs makes it unusable)");
	return 0;
}

int privs_drop(const char *user)
{
	uid_t uid;
	gid_t gid;
	int err;

	if (privs_lookup_user(user, &uid, &gid)) {
		log_err("user %s does not exist", user);
		return -ENOENT;
	}
	if (geteuid() == 0 && (!id_map("/proc/self/uid_map", uid, NULL) ||
				!id_map("/proc/self/gid_map", gid, NULL))) {
		err = drop_to_userns_root(user, uid);
		uid = 0;
	} else if (geteuid() == 0) {
		err = drop_from_root(user, uid, gid);
	} else {
		err = drop_as_user(user, uid);
	}
	if (err)
		return err;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL) {
		err = -errno;
		log_err("cannot clear the ambient capabilities: %s",
			strerror(errno));
		return err;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		log_err("cannot set no_new_privs: %s", strerror(errno));
		return err;
	}

	capng_clear(CAPNG_SELECT_ALL);
	if (capng_get_caps_process() ||
	    capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		log_err("capabilities are still held after dropping them");
		return -EPERM;
	}
	if (uid != 0 && (getuid() == 0 || geteuid() == 0)) {
		log_err("still running as root after switching user");
		return -EPERM;
	}
	log_info("running as uid %u gid %u with no capabilities",
		 (unsigned)getuid(), (unsigned)getgid());
	return 0;
}
