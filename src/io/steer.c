/* SPDX-License-Identifier: MIT */
/* steer.c - BPF programs that pick each packet's queue, as nat_steer() would
 *
 * Theory of operation.
 *
 * With several workers, each packet must reach the worker that owns its
 * session (nat_steer(), src/nat/shared.c).  Left alone, the kernel puts
 * a packet it sends into a multi-queue TUN device on a queue by its own
 * flow hash, and the worker that reads it then hands it to its owner
 * through a ring (loop.c): a copy, and a wake-up of another thread.  A
 * program attached with TUNSETSTEERINGEBPF picks the queue instead; its
 * return value is the queue's index.  Each worker has the same number q
 * of queues of each device (fair-queues), and queue i * q + j is worker
 * i's j-th: the programs pick the worker, then the queue j of the
 * packet's source address modulo q, so that one source's flood fills one
 * queue and the worker, reading its queues in turn, still reads the
 * others' (loop.c).  With one worker and fair queues, the programs pick
 * by the source alone.
 *
 * The programs repeat nat_steer() for the packets that matter:
 *  - inside (packets from the LAN): TCP, UDP, ICMP and GRE by the keyed
 *    hash of the source address, the same multiply-shift as mix();
 *  - outside (to the public pool): TCP and UDP by the owner byte of the
 *    destination port, ICMP queries by their identifier's, GRE version 1
 *    by its Call ID's (a port nobody holds: the hash of the source, or of
 *    0 for GRE); later fragments by the fragment home's hash.
 * Anything else (ICMP errors, GRE version 0, other protocols, addresses
 * past the slots mapped here) gets a plain answer, and the worker that
 * reads it still checks with nat_steer() and hands it on if it must: a
 * program that answers wrong costs a copy, never a packet or a session.
 *
 * The owner arrays live in a BPF array map of one element that tunnat
 * maps into its memory (BPF_F_MMAPABLE): the table of the slots'
 * addresses first (STEER_TABLE bytes), then NAT_OWN_BYTES per slot, for
 * the first steer_slots() slots.  The engines write owner bytes there as
 * they claim ports, with no system call; the programs read them with a
 * direct pointer (BPF_PSEUDO_MAP_VALUE), one per slot, found by comparing
 * the destination with each slot's address in turn (unrolled).
 *
 * Loading needs CAP_BPF or CAP_SYS_ADMIN; Debian turns unprivileged BPF
 * off (kernel.unprivileged_bpf_disabled = 2), and a container given only
 * CAP_NET_ADMIN cannot load it either.  Then steer_new() fails, and the
 * workers hand off what lands wrong.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <linux/bpf.h>
#include <linux/if_tun.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "steer.h"

#define STEER_TABLE	4096u		/* slot addresses, before the owners */
#define STEER_VALUE_MAX	(4u << 20)	/* an array value's limit (kmalloc) */
#define STEER_SLOTS_MAX	((STEER_VALUE_MAX - STEER_TABLE) / NAT_OWN_BYTES)
#define STEER_SLACK	3		/* slots for addresses a reload adds */
#define STEER_INSNS	1024
#define STEER_LABELS	64
#define STEER_LOG	65536
#define SRC_SLOT	(-16)		/* the stack slot of keep_source() */

struct steer {
	struct nat_shared *sh;
	uint8_t *mem;			/* the map's value, mapped */
	size_t mem_len;
	unsigned nslots;
};

/* ---- a small assembler ------------------------------------------------ */

/**
 * struct prog - instructions being written, with forward jumps to labels
 * @fix:	for each jump, the label it goes to (-1: none)
 */
struct prog {
	struct bpf_insn in[STEER_INSNS];
	int fix[STEER_INSNS];
	int at[STEER_LABELS];
	unsigned n, nlabels;
	bool full;
};

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

static void put(struct prog *p, uint8_t code, uint8_t dst, uint8_t src,
		int16_t off, int32_t imm, int label)
{
	if (p->n >= STEER_INSNS) {
		p->full = true;
		return;
	}
	p->in[p->n] = (struct bpf_insn){ .code = code, .dst_reg = dst,
					 .src_reg = src, .off = off,
					 .imm = imm };
	p->fix[p->n++] = label;
}

static int label_new(struct prog *p)
{
	if (p->nlabels >= STEER_LABELS) {
		p->full = true;
		return 0;
	}
	p->at[p->nlabels] = -1;
	return (int)p->nlabels++;
}

static void label_here(struct prog *p, int l)
{
	p->at[l] = (int)p->n;
}

/* 64-bit ALU with an immediate, or (@x) with register @src */
static void alu(struct prog *p, uint8_t op, uint8_t dst, int32_t imm)
{
	put(p, BPF_ALU64 | op | BPF_K, dst, 0, 0, imm, -1);
}

static void alux(struct prog *p, uint8_t op, uint8_t dst, uint8_t src)
{
	put(p, BPF_ALU64 | op | BPF_X, dst, src, 0, 0, -1);
}

static void imm64(struct prog *p, uint8_t dst, uint8_t pseudo, uint64_t v)
{
	put(p, BPF_LD | BPF_DW | BPF_IMM, dst, pseudo, 0, (int32_t)v, -1);
	put(p, 0, 0, 0, 0, (int32_t)(v >> 32), -1);
}

/* the map's value at offset @off, a pointer the verifier bounds */
static void map_ptr(struct prog *p, uint8_t dst, int map_fd, uint32_t off)
{
	put(p, BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_VALUE, 0,
	    map_fd, -1);
	put(p, 0, 0, 0, 0, (int32_t)off, -1);
}

/* r0 = the packet's big-endian field of @size at @off (from the IP
 * header), or the program ends with 0 if the packet is shorter */
static void ld_abs(struct prog *p, uint8_t size, int32_t off)
{
	put(p, BPF_LD | BPF_ABS | size, 0, 0, 0, off, -1);
}

static void ld_ind(struct prog *p, uint8_t size, uint8_t reg, int32_t off)
{
	put(p, BPF_LD | BPF_IND | size, 0, reg, 0, off, -1);
}

/* r0 = the 32-bit field at @off as memcpy() on this host reads it */
static void ld_raw32(struct prog *p, int32_t off)
{
	ld_abs(p, BPF_W, off);
	put(p, BPF_ALU | BPF_END | BPF_TO_BE, R0, 0, 0, 32, -1);
}

static void jmp(struct prog *p, uint8_t op, uint8_t dst, int32_t imm,
		int label)
{
	put(p, BPF_JMP | op | BPF_K, dst, 0, 0, imm, label);
}

static void jmpx(struct prog *p, uint8_t op, uint8_t dst, uint8_t src,
		 int label)
{
	put(p, BPF_JMP | op | BPF_X, dst, src, 0, 0, label);
}

static void ret_imm(struct prog *p, int32_t v)
{
	alu(p, BPF_MOV, R0, v);
	put(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0, -1);
}

/* Resolve the jumps.  Return: false if the program did not fit. */
static bool link_jumps(struct prog *p)
{
	unsigned i;

	if (p->full)
		return false;
	for (i = 0; i < p->n; i++) {
		int to;

		if (p->fix[i] < 0)
			continue;
		to = p->at[p->fix[i]];
		if (to < 0 || to - (int)i - 1 > INT16_MAX)
			return false;
		p->in[i].off = (int16_t)(to - (int)i - 1);
	}
	return true;
}

/* r0 = mix(key, r0), as shared.c's mix(): a worker. */
static void emit_mix(struct prog *p, const uint64_t key[2], unsigned nw)
{
	imm64(p, R1, 0, key[0]);
	alux(p, BPF_XOR, R0, R1);
	imm64(p, R1, 0, 0x9e3779b97f4a7c15ULL);
	alux(p, BPF_MUL, R0, R1);
	alux(p, BPF_MOV, R1, R0);
	alu(p, BPF_RSH, R1, 29);
	alux(p, BPF_XOR, R0, R1);
	imm64(p, R1, 0, key[1] | 1);
	alux(p, BPF_MUL, R0, R1);
	alu(p, BPF_RSH, R0, 32);
	alu(p, BPF_MUL, R0, (int32_t)nw);
	alu(p, BPF_RSH, R0, 32);
}

/* Keep the source address (as a number: its last byte lowest) where
 * emit_queue() finds it; r0-r5 are lost. */
static void keep_source(struct prog *p)
{
	ld_abs(p, BPF_W, 12);
	put(p, BPF_STX | BPF_MEM | BPF_DW, R10, R0, SRC_SLOT, 0, -1);
}

/* The end of every program but the "zero" exits: r0 holds a worker;
 * return its fair queue for the source keep_source() kept, worker *
 * @q + source % @q (tunnat's queue i*q+j is worker i's). */
static void emit_queue(struct prog *p, unsigned q)
{
	alu(p, BPF_MUL, R0, (int32_t)q);
	put(p, BPF_LDX | BPF_MEM | BPF_DW, R1, R10, SRC_SLOT, 0, -1);
	alu(p, BPF_MOD, R1, (int32_t)q);
	alux(p, BPF_ADD, R0, R1);
	put(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0, -1);
}

/* Go to @label unless the packet is IPv4 (IPv6 that the kernel sends
 * itself, router solicitations and MLD, is worker 0's, as nat_steer()
 * has it). */
static void not_v4(struct prog *p, int label)
{
	ld_abs(p, BPF_B, 0);
	alu(p, BPF_RSH, R0, 4);
	jmp(p, BPF_JNE, R0, 4, label);
}

/* Packets from the LAN: by the source host. */
static void prog_inside(struct prog *p, const uint64_t key[2], unsigned nw,
			unsigned q)
{
	int host = label_new(p), zero = label_new(p);

	alux(p, BPF_MOV, R6, R1);		/* LD_ABS reads the skb in r6 */
	not_v4(p, zero);
	keep_source(p);
	ld_abs(p, BPF_B, 9);
	jmp(p, BPF_JEQ, R0, 6, host);
	jmp(p, BPF_JEQ, R0, 17, host);
	jmp(p, BPF_JEQ, R0, 1, host);
	jmp(p, BPF_JEQ, R0, 47, host);
	label_here(p, zero);
	ret_imm(p, 0);
	label_here(p, host);
	ld_raw32(p, 12);
	emit_mix(p, key, nw);
	emit_queue(p, q);
}

/* With one worker: any IPv4 packet by its source, else the first queue. */
static void prog_source(struct prog *p, unsigned q)
{
	int zero = label_new(p);

	alux(p, BPF_MOV, R6, R1);
	not_v4(p, zero);
	keep_source(p);
	alu(p, BPF_MOV, R0, 0);
	emit_queue(p, q);
	label_here(p, zero);
	ret_imm(p, 0);
}

/*
 * Packets to the public pool: by the owner of their port.  Registers: r6
 * the skb, r7 the port space (then its offset), r8 the destination, r9
 * the source (what a port nobody holds is hashed by), r5 the port; the
 * header length is kept on the stack, as LD_ABS and LD_IND clobber r1-r5.
 */
static void prog_outside(struct prog *p, const uint64_t key[2], unsigned nw,
			 unsigned q, int map_fd, unsigned nslots)
{
	int frag = label_new(p), tcp = label_new(p), udp = label_new(p);
	int icmp = label_new(p), gre = label_new(p), port2 = label_new(p);
	int have = label_new(p), own = label_new(p), srcmix = label_new(p);
	int zero = label_new(p), mix = label_new(p), queue = label_new(p);
	unsigned i;

	alux(p, BPF_MOV, R6, R1);
	not_v4(p, zero);
	keep_source(p);
	ld_abs(p, BPF_H, 6);
	alu(p, BPF_AND, R0, 0x1fff);
	jmp(p, BPF_JNE, R0, 0, frag);
	ld_raw32(p, 12);
	alux(p, BPF_MOV, R9, R0);
	ld_raw32(p, 16);
	alux(p, BPF_MOV, R8, R0);
	ld_abs(p, BPF_B, 0);
	alu(p, BPF_AND, R0, 15);
	alu(p, BPF_LSH, R0, 2);
	put(p, BPF_STX | BPF_MEM | BPF_DW, R10, R0, -8, 0, -1);
	ld_abs(p, BPF_B, 9);
	jmp(p, BPF_JEQ, R0, 6, tcp);
	jmp(p, BPF_JEQ, R0, 17, udp);
	jmp(p, BPF_JEQ, R0, 1, icmp);
	jmp(p, BPF_JEQ, R0, 47, gre);
	ret_imm(p, 0);

	label_here(p, tcp);
	alu(p, BPF_MOV, R7, NAT_OWN_TCP);
	jmp(p, BPF_JA, 0, 0, port2);
	label_here(p, udp);
	alu(p, BPF_MOV, R7, NAT_OWN_UDP);
	label_here(p, port2);
	put(p, BPF_LDX | BPF_MEM | BPF_DW, R2, R10, -8, 0, -1);
	ld_ind(p, BPF_H, R2, 2);		/* destination port */
	jmp(p, BPF_JA, 0, 0, have);

	label_here(p, icmp);
	put(p, BPF_LDX | BPF_MEM | BPF_DW, R2, R10, -8, 0, -1);
	ld_ind(p, BPF_B, R2, 0);		/* type: errors by source */
	jmp(p, BPF_JEQ, R0, 3, srcmix);
	jmp(p, BPF_JEQ, R0, 11, srcmix);
	jmp(p, BPF_JEQ, R0, 12, srcmix);
	put(p, BPF_LDX | BPF_MEM | BPF_DW, R2, R10, -8, 0, -1);
	ld_ind(p, BPF_H, R2, 4);		/* identifier */
	alu(p, BPF_MOV, R7, NAT_OWN_ICMP);
	jmp(p, BPF_JA, 0, 0, have);

	label_here(p, gre);
	put(p, BPF_LDX | BPF_MEM | BPF_DW, R2, R10, -8, 0, -1);
	ld_ind(p, BPF_H, R2, 0);		/* version 1, key present */
	alu(p, BPF_AND, R0, 0x2007);
	jmp(p, BPF_JNE, R0, 0x2001, zero);
	put(p, BPF_LDX | BPF_MEM | BPF_DW, R2, R10, -8, 0, -1);
	ld_ind(p, BPF_H, R2, 6);		/* the key's Call ID */
	alu(p, BPF_MOV, R7, NAT_OWN_CALL);
	alu(p, BPF_MOV, R9, 0);

	label_here(p, have);
	alu(p, BPF_AND, R0, 0xffff);
	alux(p, BPF_MOV, R5, R0);
	alu(p, BPF_LSH, R7, 16);
	for (i = 0; i < nslots; i++) {
		int next = label_new(p);

		map_ptr(p, R1, map_fd, i * 4);
		put(p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0, -1);
		jmpx(p, BPF_JNE, R2, R8, next);
		map_ptr(p, R1, map_fd,
			STEER_TABLE + i * (uint32_t)NAT_OWN_BYTES);
		jmp(p, BPF_JA, 0, 0, own);
		label_here(p, next);
	}
	/* a slot past ours (the worker hands it on), or not the pool */
	alux(p, BPF_MOV, R0, R9);
	jmp(p, BPF_JA, 0, 0, mix);

	label_here(p, own);
	alux(p, BPF_ADD, R1, R7);
	alux(p, BPF_ADD, R1, R5);
	put(p, BPF_LDX | BPF_MEM | BPF_B, R0, R1, 0, 0, -1);
	jmp(p, BPF_JEQ, R0, 0, srcmix);
	alu(p, BPF_SUB, R0, 1);
	jmp(p, BPF_JA, 0, 0, queue);

	label_here(p, zero);
	ret_imm(p, 0);

	/* a later fragment: nat_steer_frag_home() */
	label_here(p, frag);
	ld_raw32(p, 12);
	alux(p, BPF_MOV, R9, R0);
	ld_raw32(p, 16);
	alux(p, BPF_MOV, R8, R0);
	ld_abs(p, BPF_B, 9);
	alux(p, BPF_MOV, R7, R0);
	alu(p, BPF_LSH, R7, 16);
	ld_abs(p, BPF_H, 4);
	put(p, BPF_ALU | BPF_END | BPF_TO_BE, R0, 0, 0, 16, -1);
	alux(p, BPF_OR, R7, R0);
	imm64(p, R1, 0, 0xff51afd7ed558ccdULL);
	alux(p, BPF_MUL, R7, R1);
	alux(p, BPF_MOV, R0, R9);
	alu(p, BPF_LSH, R0, 32);
	alux(p, BPF_OR, R0, R8);
	alux(p, BPF_XOR, R0, R7);
	jmp(p, BPF_JA, 0, 0, mix);

	label_here(p, srcmix);
	alux(p, BPF_MOV, R0, R9);
	label_here(p, mix);
	emit_mix(p, key, nw);
	label_here(p, queue);
	emit_queue(p, q);
}

/* ---- loading ----------------------------------------------------------- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long rc = syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return rc < 0 ? -errno : (int)rc;
}

/* Load @p; return its fd or a negative errno (the verifier's complaint
 * is logged at debug level). */
static int prog_load(const struct prog *p, const char *role)
{
	static char vlog[STEER_LOG];
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)p->in;
	a.insn_cnt = p->n;
	a.license = (uint64_t)(uintptr_t)"MIT";
	a.log_buf = (uint64_t)(uintptr_t)vlog;
	a.log_size = sizeof(vlog);
	a.log_level = 1;
	vlog[0] = '\0';
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0 && fd != -ENOSPC && fd != -EPERM && vlog[0])
		log_debug("steering (%s): the verifier says: %.2000s", role,
			  vlog);
	return fd;
}

/* The array map of one element that holds the table and @nslots' owner
 * arrays, made as large as the kernel allows.  Return: its fd, or a
 * negative errno. */
static int map_make(unsigned *nslots, size_t *len)
{
	union bpf_attr a;
	int fd = -EINVAL;

	while (*nslots) {
		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = STEER_TABLE + *nslots * (uint32_t)NAT_OWN_BYTES;
		a.max_entries = 1;
		a.map_flags = BPF_F_MMAPABLE;
		fd = sys_bpf(BPF_MAP_CREATE, &a);
		if (fd != -E2BIG && fd != -ENOMEM)
			break;
		*nslots /= 2;
	}
	*len = STEER_TABLE + *nslots * NAT_OWN_BYTES;
	return fd;
}

unsigned steer_slots(const struct steer *s)
{
	return s->nslots;
}

void steer_sync(struct steer *s)
{
	uint32_t *table;
	unsigned i;

	if (!s)
		return;
	table = (uint32_t *)(void *)s->mem;
	for (i = 0; i < s->nslots; i++)
		__atomic_store_n(&table[i], nat_shared_slot_addr(s->sh, i),
				 __ATOMIC_RELAXED);
}

struct steer *steer_new(struct nat_shared *sh, const struct tun *inside,
			const struct tun *outside, int *err)
{
	unsigned nw = sh ? nat_shared_workers(sh) : 1, used = 0, q;
	struct prog *p = NULL;
	struct steer *s;
	int map_fd = -1, in_fd = -1, out_fd = -1, rc;
	uint64_t key[2];

	s = calloc(1, sizeof(*s));
	p = calloc(1, sizeof(*p));
	if (!s || !p) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = -EINVAL;
	if (inside->nq < 2 || inside->nq != outside->nq || inside->nq % nw)
		goto fail;
	q = inside->nq / nw;
	if (nw == 1) {
		/* no owners to read: each source on its fair queue */
		prog_source(p, q);
		rc = -E2BIG;
		if (!link_jumps(p))
			goto fail;
		in_fd = prog_load(p, "inside");
		out_fd = prog_load(p, "outside");
		if (in_fd < 0 || out_fd < 0) {
			rc = in_fd < 0 ? in_fd : out_fd;
			goto fail;
		}
		rc = 0;
		goto attach;
	}
	while (used < NAT_POOL_MAX && nat_shared_slot_addr(sh, used))
		used++;
	s->nslots = used + STEER_SLACK;
	if (s->nslots > STEER_SLOTS_MAX)
		s->nslots = STEER_SLOTS_MAX;
	map_fd = map_make(&s->nslots, &s->mem_len);
	if (map_fd < 0) {
		rc = map_fd;
		goto fail;
	}
	s->mem = mmap(NULL, s->mem_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      map_fd, 0);
	if (s->mem == MAP_FAILED) {
		s->mem = NULL;
		rc = -errno;
		goto fail;
	}
	nat_shared_steer_key(sh, key);
	prog_inside(p, key, nw, q);
	rc = -E2BIG;
	if (!link_jumps(p))
		goto fail;
	in_fd = prog_load(p, "inside");
	memset(p, 0, sizeof(*p));
	prog_outside(p, key, nw, q, map_fd, s->nslots);
	if (!link_jumps(p))
		goto fail;
	out_fd = prog_load(p, "outside");
	if (in_fd < 0 || out_fd < 0) {
		rc = in_fd < 0 ? in_fd : out_fd;
		goto fail;
	}
	rc = nat_shared_owner_mem(sh, s->mem + STEER_TABLE, s->nslots);
	if (rc)
		goto fail;
	s->sh = sh;
	steer_sync(s);
attach:
	if (ioctl(inside->qfd[0], TUNSETSTEERINGEBPF, &in_fd) < 0 ||
	    ioctl(outside->qfd[0], TUNSETSTEERINGEBPF, &out_fd) < 0) {
		/* the owner arrays stay where they are now, unread */
		rc = -errno;
		log_warn("steering: cannot attach the programs: %s",
			 strerror(-rc));
	}
	close(in_fd);
	close(out_fd);
	if (map_fd >= 0)
		close(map_fd);
	free(p);
	*err = rc;	/* on failure, @s still holds the owners' memory */
	return s;
fail:
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (map_fd >= 0)
		close(map_fd);
	if (s && s->mem)
		munmap(s->mem, s->mem_len);
	free(s);
	free(p);
	*err = rc;
	return NULL;
}

void steer_free(struct steer *s)
{
	if (!s)
		return;
	if (s->mem)
		munmap(s->mem, s->mem_len);
	free(s);
}
