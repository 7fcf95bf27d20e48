/* SPDX-License-Identifier: MIT */
/* privs.h - give up every privilege once the devices are open */
#ifndef TN_PRIVS_H
#define TN_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

/**
 * privs_lookup_user() - resolve an account name or numeric uid
 * @user:	name from the configuration, or a decimal uid
 * @uid, @gid:	the account's uid and primary group
 *
 * Return: 0, or -ENOENT if there is no such account
 */
int privs_lookup_user(const char *user, uid_t *uid, gid_t *gid);

/**
 * privs_lookup_group() - resolve a group name or numeric gid
 *
 * Return: 0, or -ENOENT if there is no such group
 */
int privs_lookup_group(const char *group, gid_t *gid);

/**
 * privs_drop() - become @user with no capabilities, for good
 *
 * Return: 0, or a negative errno (logged): the caller must not go on
 */
int privs_drop(const char *user);

#endif /* TN_PRIVS_H */
