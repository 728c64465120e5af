/*
 * tests/fuzz/corpus_driver.c: replays the fuzz corpus through LLVMFuzzerTestOneInput in a
 * normal (non-libFuzzer) build, so every CI run checks the seeds and past crashers.
 * Usage: fuzz_json_corpus DIR... ; prints TAP, one line per file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = {0};
	char buf[8192];
	size_t n;

	if (!f)
		return NULL;
	strbuf_append(&sb, "", 0);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(f);
	*len = sb.len;
	return strbuf_detach(&sb);
}

int
main(int argc, char **argv)
{
	int count = 0, failed = 0;

	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		struct dirent *e;
		char **names = NULL;
		size_t n = 0;

		if (!d) {
			printf("not ok %d - cannot open %s\n", ++count, argv[a]);
			failed = 1;
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(e->d_name);
		}
		closedir(d);
		/* Sorted, so the TAP numbering is stable across runs. */
		qsort(names, n, sizeof(*names), cmp_names);
		for (size_t i = 0; i < n; i++) {
			char *path = xasprintf("%s/%s", argv[a], names[i]);
			size_t len;
			char *data = read_file(path, &len);
			if (!data) {
				printf("not ok %d - cannot read %s\n", ++count, names[i]);
				failed = 1;
			} else {
				/* A real copy of exactly len bytes, so ASan/valgrind catch any
				 * read past the end (the terminating NUL must not be relied on). */
				uint8_t *exact = xmalloc(len);
				memcpy(exact, data, len);
				LLVMFuzzerTestOneInput(exact, len);	/* aborts on a failed check */
				printf("ok %d - %s\n", ++count, names[i]);
				free(exact);
				free(data);
			}
			free(path);
			free(names[i]);
		}
		free(names);
	}
	printf("1..%d\n", count);
	return failed;
}
