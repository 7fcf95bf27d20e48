/* SPDX-License-Identifier: MIT */
/* fuzz_conf.c - libFuzzer harness: the configuration loader on any bytes
 *
 * conf_load_mem() reads the input as tunnat.yaml(5).  Whatever the bytes,
 * it must return (with its errors written to a sink); a configuration it
 * accepts must print with conf_print() as YAML that loads back, without
 * an error, into the very same struct config, byte for byte, and printing
 * that must give the same text again.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

static struct config first, again;

/* Write @c with conf_print() into a new string; its length in @len. */
static char *print(const struct config *c, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f || conf_print(f, c) || fclose(f)) {
		fprintf(stderr, "fuzz_conf: cannot print\n");
		abort();
	}
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	char *text, *text2, *errs = NULL;
	size_t len, len2, elen, i;
	FILE *err;
	int rc;

	if (!sink)
		sink = fopen("/dev/null", "we");
	if (!sink)
		abort();
	rc = conf_load_mem(&first, "fuzz.yaml", (const char *)data, size,
			   sink);
	if (rc)
		return 0;
	text = print(&first, &len);
	err = open_memstream(&errs, &elen);
	if (!err)
		abort();
	rc = conf_load_mem(&again, "printed.yaml", text, len, err);
	fclose(err);
	if (rc) {
		fprintf(stderr, "fuzz_conf: what conf_print() wrote does not load:\n%s%s",
			text, errs);
		abort();
	}
	for (i = 0; i < sizeof(first); i++)
		if (((unsigned char *)&first)[i] !=
		    ((unsigned char *)&again)[i]) {
			fprintf(stderr, "fuzz_conf: byte %zu of struct config differs when read back from:\n%s",
				i, text);
			abort();
		}
	text2 = print(&again, &len2);
	if (len != len2 || memcmp(text, text2, len)) {
		fprintf(stderr, "fuzz_conf: printed twice, it differs:\n%s\n---\n%s",
			text, text2);
		abort();
	}
	free(text);
	free(text2);
	free(errs);
	return 0;
}
