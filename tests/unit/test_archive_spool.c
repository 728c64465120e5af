/* tests/unit/test_archive_spool.c: anonymous temporary files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive/spool.h"
#include "src/base/util.h"

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void
test_spool_is_anonymous(void **state)
{
	char tmpl[] = "/tmp/ohb-spool-XXXXXX";
	char *dir = mkdtemp(tmpl);
	char err[256], buf[16];
	struct stat st;
	int fd;

	assert_non_null(dir);
	assert_int_equal(setenv("TMPDIR", dir, 1), 0);
	fd = spool_open(err, sizeof(err));
	assert_true(fd >= 0);
	/* No name in the file system: nothing to clean up after a crash. */
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(count_entries(dir), 0);

	assert_int_equal(write(fd, "hello world", 11), 11);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 11);
	assert_memory_equal(buf, "hello world", 11);

	assert_int_equal(spool_rewind_truncate(fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
	assert_int_equal(write(fd, "again", 5), 5);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 5);
	close(fd);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_spool_bad_tmpdir(void **state)
{
	char err[256];

	assert_int_equal(setenv("TMPDIR", "/nonexistent-ohb-tmp", 1), 0);
	assert_int_equal(spool_open(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-ohb-tmp"));
	assert_non_null(strstr(err, "TMPDIR"));
	assert_int_equal(spool_rewind_truncate(-1), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_spool_default_tmp(void **state)
{
	char err[256];
	int fd;

	assert_int_equal(setenv("TMPDIR", "", 1), 0);	/* empty means /tmp */
	fd = spool_open(err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	unsetenv("TMPDIR");
	fd = spool_open(err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spool_is_anonymous),
		cmocka_unit_test(test_spool_bad_tmpdir),
		cmocka_unit_test(test_spool_default_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
